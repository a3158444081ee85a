using DrainFunctions.Core.Phases;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>A look at a running attempt shortly before its deadline (<c>--extend-on-progress</c>).</summary>
public sealed record CheckPhaseProgressInput
{
    public required string SessionId { get; init; }

    public required string AttemptId { get; init; }

    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    /// <summary>When the attempt's time started: its deadline is this plus <see cref="TimeoutSeconds"/>.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The phase timeout the drain was given: each extension adds one.</summary>
    public int BaseTimeoutSeconds { get; init; }

    /// <summary>The timeout now in force (the base, or the last extension's).</summary>
    public int TimeoutSeconds { get; init; }

    /// <summary>The longest the attempt may run (<c>--max-phase-timeout-seconds</c>).</summary>
    public int LongestSeconds { get; init; }

    /// <summary>The marks taken when the look's window opened (or at the attempt's start: its run's telemetry rows, no output).</summary>
    public ProgressMarks Last { get; init; }

    /// <summary>Only the marks, as the window before the look opens: nothing is decided.</summary>
    public bool MarksOnly { get; init; }
}
