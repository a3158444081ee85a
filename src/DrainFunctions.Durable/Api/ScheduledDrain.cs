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

    /// <summary>A drain in another task hub or on another machine holds the database's lock.</summary>
    SkippedLocked,
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
public sealed class ScheduledDrain(DurableTaskClient client, DrainLauncher launcher, DrainOptions options)
{
    private readonly DrainInstances instances = new(client);

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

        DrainLaunch launch;
        try
        {
            launch = await launcher.StartAsync(options, instanceId: _ => DrainInstances.ScheduledInstanceId, cancellationToken: cancellationToken);
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

        return launch.Started
            ? new TickResult(TickOutcome.Started, launch.SessionId, DrainInstances.ScheduledInstanceId)
            : new TickResult(TickOutcome.SkippedLocked, launch.SessionId, launch.InstanceId);
    }
}
