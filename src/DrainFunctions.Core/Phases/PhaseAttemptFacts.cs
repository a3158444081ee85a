using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Phases;

/// <summary>Everything known about one attempt once it is over: what the result is made of.</summary>
public sealed record PhaseAttemptFacts
{
    public required PhaseCandidate Phase { get; init; }

    public required string AttemptId { get; init; }

    public required PhaseRaceEnd Race { get; init; }

    public required PhaseSettlement Settlement { get; init; }

    /// <summary>Telemetry rows added during the attempt; null when unknown.</summary>
    public long? TelemetryDelta { get; init; }

    /// <summary>Seconds from the attempt's start to its end as the drain saw them.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The instant the result is stamped with.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public int PhaseTimeoutSeconds { get; init; }

    public double? MaxTotalMinutes { get; init; }

    /// <summary>Where the attempt's stdout is kept when the executor's side did not say.</summary>
    public string DefaultStdoutPath { get; init; } = string.Empty;

    /// <summary>Where the attempt's stderr is kept when the executor's side did not say.</summary>
    public string DefaultStderrPath { get; init; } = string.Empty;
}
