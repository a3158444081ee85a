namespace DrainFunctions.Durable.Orchestration;

/// <summary>The orchestration's output.</summary>
public sealed record DrainSummaryOutput
{
    public string SessionId { get; init; } = string.Empty;

    /// <summary>Why the session ended (<see cref="SessionStop"/> name).</summary>
    public string Stop { get; init; } = string.Empty;

    public string? StopLine { get; init; }

    public bool DryRun { get; init; }

    public int TotalProcessed { get; init; }

    public int TotalSuccess { get; init; }

    public int TotalFailed { get; init; }

    public int TotalTimeouts { get; init; }

    public long TotalTelemetryEvents { get; init; }

    public List<string> StoppedRuns { get; init; } = [];

    /// <summary>Dry run: the phases that would have been drained, in order.</summary>
    public List<string> DryRunPicks { get; init; } = [];

    public int Generations { get; init; }

    /// <summary>Blob name of the session document, or null (dry run).</summary>
    public string? SessionBlob { get; init; }
}
