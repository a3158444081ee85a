using DrainFunctions.Core.Phases;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>What a look at a running attempt found.</summary>
public sealed record CheckPhaseProgressOutput
{
    /// <summary>The marks now: the next look counts from them.</summary>
    public ProgressMarks Marks { get; init; }

    /// <summary>The extension granted and written to the attempt's marker; null: the deadline stays.</summary>
    public PhaseExtension? Extension { get; init; }

    /// <summary>Why nothing could be measured (storage or database unreachable); the deadline then stays.</summary>
    public string? Problem { get; init; }
}
