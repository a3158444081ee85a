using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Durable.Api;

/// <summary>A drain's totals so far: from its saved session, or from the progress its orchestration publishes.</summary>
public sealed record DrainTotals(long Processed, long Success, long Failed, long Timeouts, long TelemetryEvents)
{
    public static DrainTotals Of(PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(state.TotalProcessed, state.TotalSuccess, state.TotalFailed, state.TotalTimeouts, state.TotalTelemetryEvents);
    }

    public static DrainTotals Of(DrainStatus progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new(progress.Processed, progress.Success, progress.Failed, progress.Timeouts, progress.TelemetryEvents);
    }

    /// <summary>The HTTP API's <c>totals</c> object.</summary>
    public Dictionary<string, long> ToDictionary() => new()
    {
        ["processed"] = Processed, ["success"] = Success, ["failed"] = Failed,
        ["timeouts"] = Timeouts, ["telemetryEvents"] = TelemetryEvents,
    };
}
