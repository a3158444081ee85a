using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>What the executor activity reports: pure data, excerpts only (≤ 500 code points each).</summary>
public sealed record RunPhaseExecutorOutput
{
    public PhaseRunStatus Status { get; init; }

    public string InitialState { get; init; } = PhaseStates.Failed;

    public string FinalState { get; init; } = string.Empty;

    public string? LastFailureReason { get; init; }

    public string? CurrentState { get; init; }

    public int? ReturnCode { get; init; }

    public double DurationSeconds { get; init; }

    public string StdoutExcerpt { get; init; } = string.Empty;

    public string StderrExcerpt { get; init; } = string.Empty;

    /// <summary>The LLM-boundary markers were found in the full output (not only in the excerpts).</summary>
    public bool ReachedLlmBoundary { get; init; }

    /// <summary>A failed-before-LLM marker was found in the full output.</summary>
    public bool FailedBeforeLlm { get; init; }

    public string StdoutPath { get; init; } = string.Empty;

    public string StderrPath { get; init; } = string.Empty;

    public int? ProcessId { get; init; }

    /// <summary>This call adopted an attempt a lost call had started (after a host crash or a lapsed lease).</summary>
    public bool Adopted { get; init; }

    /// <summary>Adopted: how many of the attempt's processes were still running when this call found them.</summary>
    public int AdoptedProcesses { get; init; }

    /// <summary>Adopted: the earlier call stopped before it started the executor (nothing ran).</summary>
    public bool NeverStarted { get; init; }

    /// <summary>Adopted: the attempt ran on another machine, whose processes cannot be seen from here.</summary>
    public string? ElsewhereOn { get; init; }

    /// <summary>The agent that ran the attempt (executor kind <c>agent</c>).</summary>
    public string? Agent { get; init; }

    /// <summary><see cref="PhaseRunStatus.Dispatched"/>: how often the drain checks on the attempt, and how long an agent may be silent.</summary>
    public double? HeartbeatTimeoutSeconds { get; init; }

    /// <summary>
    /// The settle this call made itself (the executor exited on its own with time to spare): the
    /// orchestrator then skips <c>SettlePhaseOutcome</c>; null when it must settle.
    /// </summary>
    public SettlePhaseOutcomeOutput? Settled { get; init; }

    /// <summary>The telemetry count after the settle above (null count: no telemetry table); null when not taken.</summary>
    public Activities.TelemetrySnapshotOutput? TelemetryAfter { get; init; }

    /// <summary>The record this call made itself after its settle (<see cref="RunPhaseExecutorInput.Record"/>); null: none.</summary>
    public InlineRecord? Recorded { get; init; }
}
