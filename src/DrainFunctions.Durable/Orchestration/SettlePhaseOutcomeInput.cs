namespace DrainFunctions.Durable.Orchestration;

/// <summary>After an attempt: read (and, when it was left QUEUED/EXECUTING, restore) its phase.</summary>
public sealed record SettlePhaseOutcomeInput
{
    public required string SessionId { get; init; }

    public required string AttemptId { get; init; }

    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    /// <summary>The executor may have exited before its database write is visible: re-read for a while (reference step 6).</summary>
    public bool WaitForSettle { get; init; }

    /// <summary>The failure reason written when the drain restores the phase.</summary>
    public required string RestoreReason { get; init; }
}
