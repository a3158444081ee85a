using DrainFunctions.Core.Options;

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
/// One timer tick: a drain with the options from settings under the fixed instance id
/// <see cref="DrainInstances.ScheduledInstanceId"/>, started by <see cref="DrainService"/> unless a
/// drain (the previous scheduled one, or a manual one on the same database) still runs; then the
/// tick is skipped, never stacked.
/// </summary>
public sealed class ScheduledDrain(DrainService drains, DrainOptions options)
{
    public async Task<TickResult> TickAsync(bool enabled = true, CancellationToken cancellationToken = default)
    {
        if (!enabled)
        {
            return new TickResult(TickOutcome.Disabled, null, null);
        }

        var start = await drains.StartAsync(options with { DryRun = false }, DrainInstances.ScheduledInstanceId, cancellationToken);
        var outcome = start.Status switch
        {
            DrainStartStatus.Started => TickOutcome.Started,
            DrainStartStatus.Locked => TickOutcome.SkippedLocked,
            _ when start.InstanceId == DrainInstances.ScheduledInstanceId => TickOutcome.SkippedScheduledRunning,
            _ => TickOutcome.SkippedManualRunning,
        };
        return new TickResult(outcome, start.SessionId, start.InstanceId);
    }
}
