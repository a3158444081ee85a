using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Orchestration;

public sealed record SelectNextPhaseOutput
{
    public PhaseCandidate? Selected { get; init; }

    public List<string> Lines { get; init; } = [];

    public NoPickReason NoPick { get; init; }

    /// <summary>The telemetry count taken right after the pick, when asked (<see cref="SelectNextPhaseInput.CountTelemetry"/>).</summary>
    public Activities.TelemetrySnapshotOutput? TelemetryBefore { get; init; }
}
