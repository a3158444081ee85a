namespace DrainFunctions.Durable.Orchestration;

/// <summary>The custom status published after every step.</summary>
public sealed record DrainStatus
{
    public string SessionId { get; init; } = string.Empty;

    public int Processed { get; init; }

    public int BatchSize { get; init; }

    /// <summary>The phase in flight (the first started, with several slots).</summary>
    public string? CurrentPhase { get; init; }

    /// <summary>When <see cref="CurrentPhase"/> started, so that a watcher can show its elapsed time against <see cref="PhaseTimeoutSeconds"/>.</summary>
    public DateTimeOffset? CurrentPhaseStartedAt { get; init; }

    /// <summary>The drain's phase timeout, in seconds.</summary>
    public int PhaseTimeoutSeconds { get; init; }

    /// <summary>The slots of a parallel drain; null in a sequential one.</summary>
    public int? Parallel { get; init; }

    /// <summary>Every phase in flight with its slot, in a parallel drain; null in a sequential one.</summary>
    public List<InFlightStatus>? InFlight { get; init; }

    public int Success { get; init; }

    public int Failed { get; init; }

    public int Timeouts { get; init; }

    public long TelemetryEvents { get; init; }

    /// <summary>Seconds of total budget left, or null without a budget.</summary>
    public double? BudgetLeftSeconds { get; init; }

    public bool DryRun { get; init; }

    public int Generation { get; init; }

    public string? Stop { get; init; }

    /// <summary>The most recent progress lines (bounded); <see cref="ProgressLine.Seq"/> orders them.</summary>
    public List<ProgressLine> Lines { get; init; } = [];
}
