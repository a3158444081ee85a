namespace DrainFunctions.Durable.Orchestration;

/// <summary>The phase's real state after its attempt, and whether the drain (not the executor) put it back to FAILED.</summary>
public sealed record SettlePhaseOutcomeOutput
{
    public bool Found { get; init; } = true;

    /// <summary>The state read (before any restore).</summary>
    public string State { get; init; } = string.Empty;

    public string? LastFailureReason { get; init; }

    /// <summary>The drain restored the phase to FAILED: it was still QUEUED/EXECUTING when its processes were gone.</summary>
    public bool Restored { get; init; }

    /// <summary>Processes of the attempt that were still running and were killed first.</summary>
    public int ProcessesKilled { get; init; }

    /// <summary>How far the attempt got, as its marker says (<c>AttemptStages</c>); null without a marker.</summary>
    public string? Stage { get; init; }
}
