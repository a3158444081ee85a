namespace DrainFunctions.Core.Sessions;

/// <summary>
/// The outcome of draining one phase, with the Python tool's field names (snake_case in JSON).
/// </summary>
public sealed class DrainResult
{
    public string RunId { get; set; } = string.Empty;

    public string PhaseId { get; set; } = string.Empty;

    public int PhaseIndex { get; set; }

    public string InitialState { get; set; } = string.Empty;

    public string FinalState { get; set; } = string.Empty;

    public bool Success { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>ISO-8601 UTC with <c>+00:00</c>, as written (kept verbatim from imported files).</summary>
    public string Timestamp { get; set; } = string.Empty;

    public int? SubprocessReturncode { get; set; }

    public double? SubprocessDurationSeconds { get; set; }

    public string? SubprocessStdoutPath { get; set; }

    public string? SubprocessStderrPath { get; set; }

    public string? SubprocessStdoutExcerpt { get; set; }

    public string? SubprocessStderrExcerpt { get; set; }

    public string? FailureFingerprint { get; set; }

    public long? TelemetryEventsCollected { get; set; }

    public double? TelemetryYieldPerMinute { get; set; }

    public bool ReachedLlmBoundary { get; set; }

    public string? ZeroYieldReason { get; set; }

    /// <summary>
    /// Ours: why a phase did not run to its end for a reason other than its own timeout
    /// (<c>budget</c>, <c>cancel</c>, <c>lost</c>, <c>requeue_conflict</c>); null otherwise.
    /// </summary>
    public string? InterruptedBy { get; set; }

    /// <summary>Ours: the id of the executor attempt, so that a redelivered activity can be recognized.</summary>
    public string? AttemptId { get; set; }

    /// <summary>Ours: the slot (1-based) that drained the phase, in a drain with more than one; null in a sequential one.</summary>
    public int? Slot { get; set; }

    /// <summary>Ours: the agent that ran the phase (executor kind <c>agent</c>); null when the drain's host ran it.</summary>
    public string? Agent { get; set; }

    /// <summary>Ours (v3, <c>--extend-on-progress</c>): each time the phase's deadline moved on because it showed progress; null when it never did.</summary>
    public IReadOnlyList<Phases.PhaseExtension>? Extensions { get; set; }

    public string Key => Selection.PhaseKey.Of(RunId, PhaseId);

    public bool IsTimeout => Fingerprints.FailureFingerprint.IsTimeoutReturnCode(SubprocessReturncode);

    public DrainResult Clone() => (DrainResult)MemberwiseClone();
}
