using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

public enum TickOutcome
{
    Started,
    SkippedScheduledRunning,
    SkippedManualRunning,
    Disabled,
}

public sealed record TickResult(TickOutcome Outcome, string? SessionId, string? InstanceId);

/// <summary>
/// One timer tick: starts a drain with the options from settings under the fixed instance id
/// <see cref="DrainInstances.ScheduledInstanceId"/>, unless a drain (the previous scheduled one, or
/// a manual one on the same database) still runs; then the tick is skipped, never stacked. A
/// finished previous scheduled instance is purged first so the fixed id can be used again on
/// every backend. Two ticks racing for the id: the loser's start fails and it counts as skipped.
/// </summary>
public sealed class ScheduledDrain(DurableTaskClient client, DrainOptions options, TimeProvider? clock = null)
{
    private readonly DrainInstances instances = new(client);
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task<TickResult> TickAsync(bool enabled = true, CancellationToken cancellationToken = default)
    {
        if (!enabled)
        {
            return new TickResult(TickOutcome.Disabled, null, null);
        }

        var previous = await client.GetInstanceAsync(DrainInstances.ScheduledInstanceId, getInputsAndOutputs: true, cancellationToken);
        if (previous is not null && DrainInstances.IsLive(previous.RuntimeStatus))
        {
            return new TickResult(TickOutcome.SkippedScheduledRunning, DrainInstances.SessionOf(previous), previous.InstanceId);
        }

        if (await instances.FindRunningAsync(cancellationToken) is { } running)
        {
            return new TickResult(
                running.Instance.InstanceId == DrainInstances.ScheduledInstanceId ? TickOutcome.SkippedScheduledRunning : TickOutcome.SkippedManualRunning,
                running.SessionId,
                running.Instance.InstanceId);
        }

        if (previous is not null)
        {
            await client.PurgeInstanceAsync(DrainInstances.ScheduledInstanceId, cancellation: cancellationToken);
        }

        var now = time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var sessionId = SessionIds.FromStart(now);
        var input = new DrainOrchestrationInput { Options = options with { DryRun = false }, SessionId = sessionId, StartedAt = now };
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input,
                new StartOrchestrationOptions(DrainInstances.ScheduledInstanceId), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Another tick won the fixed instance id a moment earlier (the backend refuses a second start).
            var winner = await client.GetInstanceAsync(DrainInstances.ScheduledInstanceId, getInputsAndOutputs: true, cancellationToken);
            if (winner is not null && DrainInstances.IsLive(winner.RuntimeStatus))
            {
                return new TickResult(TickOutcome.SkippedScheduledRunning, DrainInstances.SessionOf(winner), winner.InstanceId);
            }

            throw;
        }

        return new TickResult(TickOutcome.Started, sessionId, DrainInstances.ScheduledInstanceId);
    }
}
