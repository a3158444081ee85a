using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The orchestration's input, and what it carries across <c>ContinueAsNew</c>: options, the
/// compact policy state and a few counters. Results are never carried; they live in the blob.
/// </summary>
public sealed record DrainOrchestrationInput
{
    public const int DefaultPhasesPerGeneration = 10;
    public const int DefaultGraceSeconds = 15;

    public DrainOptions Options { get; init; } = new();

    /// <summary>Phases per orchestration generation before <c>ContinueAsNew</c>.</summary>
    public int PhasesPerGeneration { get; init; } = DefaultPhasesPerGeneration;

    /// <summary>How long after the executor's own deadline the durable timer fires.</summary>
    public int GraceSeconds { get; init; } = DefaultGraceSeconds;

    /// <summary>The token of the database's drain lock its starter took (null: a dry run, which takes none).</summary>
    public string? LockToken { get; init; }
    public const double DefaultOutageToleranceMinutes = 60;

    /// <summary>
    /// How long the drain waits (durable timers, backoff up to a minute) for an unreachable database
    /// or storage before it stops with a message naming what failed. Each outage counts on its own.
    /// </summary>
    public double OutageToleranceMinutes { get; init; } = DefaultOutageToleranceMinutes;

    // ---- carried across generations (null/empty on the first start) ----
    public string? SessionId { get; init; }

    /// <summary>When the drain lock runs out unless renewed (null: renew before the first phase).</summary>
    public DateTimeOffset? LockExpiresAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public int Generation { get; init; }

    /// <summary>Carried without its processed keys: they travel grouped in <see cref="ProcessedByRun"/>.</summary>
    public PolicyState State { get; init; } = new();

    /// <summary>The processed keys, grouped by run (see <see cref="ProcessedKeyGroups"/>).</summary>
    public Dictionary<string, List<string>> ProcessedByRun { get; init; } = [];

    /// <summary>Dry run only: the picks in order (their keys are the processed keys).</summary>
    public List<string> DryRunPicks { get; init; } = [];

    /// <summary>Sequence number of the last progress line emitted.</summary>
    public long LineSequence { get; init; }

    public List<ProgressLine> RecentLines { get; init; } = [];
}

/// <summary>One progress line with its sequence number (1, 2, ...), for a watcher to print once and in order.</summary>
public sealed record ProgressLine(long Seq, string Text);

/// <summary>The external event <c>cancel</c>: <c>graceful</c> finishes the current phase, <c>now</c> stops it.</summary>
public sealed record CancelRequest(string Mode)
{
    public const string EventName = "cancel";
    public const string Graceful = "graceful";
    public const string Now = "now";

    public bool IsNow => string.Equals(Mode, Now, StringComparison.OrdinalIgnoreCase);
}

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

/// <summary>The custom status published after every step.</summary>
public sealed record DrainStatus
{
    public string SessionId { get; init; } = string.Empty;

    public int Processed { get; init; }

    public int BatchSize { get; init; }

    public string? CurrentPhase { get; init; }

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

// ---------------------------------------------------------------- activity contracts

/// <summary>
/// The state travels without its processed keys; they come grouped in <see cref="ProcessedByRun"/>.
/// <paramref name="SessionId"/>: the asking session, left out of the ledger's counts (its own state has them).
/// </summary>
public sealed record SelectNextPhaseInput(PolicyState State, DrainOptions Options, string? SessionId = null)
{
    public Dictionary<string, List<string>> ProcessedByRun { get; init; } = [];

    /// <summary>The state with its processed keys back.</summary>
    public PolicyState ExpandedState()
    {
        var state = State.Clone();
        state.ProcessedKeys.UnionWith(ProcessedKeyGroups.Expand(ProcessedByRun));
        return state;
    }
}

/// <summary>
/// Processed keys (<c>run_id:phase_id</c>) grouped by the part before the first colon, so that a
/// run id is not repeated for each of its phases: a 1,000-phase session's keys shrink from ~50 KB
/// to ~30 KB of JSON. Lossless whatever the ids contain: a key is always prefix + ":" + rest.
/// </summary>
public static class ProcessedKeyGroups
{
    public static Dictionary<string, List<string>> Group(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            var (prefix, rest) = colon < 0 ? (key, (string?)null) : (key[..colon], key[(colon + 1)..]);
            if (!groups.TryGetValue(prefix, out var list))
            {
                groups[prefix] = list = [];
            }

            // A key without a colon cannot come from PhaseKey.Of; kept anyway as an empty-named entry.
            list.Add(rest ?? "\0" + key);
        }

        return groups;
    }

    public static IEnumerable<string> Expand(Dictionary<string, List<string>>? groups)
    {
        if (groups is null)
        {
            yield break;
        }

        foreach (var (prefix, rests) in groups)
        {
            foreach (var rest in rests)
            {
                yield return rest.StartsWith('\0') ? rest[1..] : prefix + ":" + rest;
            }
        }
    }

    /// <summary>A copy of <paramref name="state"/> without its processed keys.</summary>
    public static PolicyState WithoutKeys(PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var copy = state.Clone();
        copy.ProcessedKeys.Clear();
        return copy;
    }
}

public sealed record SelectNextPhaseOutput
{
    public PhaseCandidate? Selected { get; init; }

    public List<string> Lines { get; init; } = [];

    public NoPickReason NoPick { get; init; }
}

public sealed record TelemetrySnapshotInput(string? RunId);

public sealed record RunPhaseExecutorInput
{
    public required string SessionId { get; init; }

    public required string AttemptId { get; init; }

    public required PhaseCandidate Phase { get; init; }

    /// <summary>Absolute instant at which the activity kills the executor itself.</summary>
    public required DateTimeOffset Deadline { get; init; }

    public int TimeoutSeconds { get; init; }

    public string? ApiUrl { get; init; }
}

public enum PhaseRunStatus
{
    /// <summary>The executor exited within its time; <see cref="RunPhaseExecutorOutput.FinalState"/> is the settled state.</summary>
    Completed,

    /// <summary>The executor was killed at its deadline.</summary>
    TimedOut,

    /// <summary>The phase is not in the database.</summary>
    NotFound,

    /// <summary>The phase was no longer FAILED; it was not run.</summary>
    RequeueConflict,

    /// <summary>
    /// A redelivered call found the attempt marker: the executor was not started again; the
    /// attempt's processes still running were waited for (<see cref="RunPhaseExecutorOutput.AdoptedProcesses"/>)
    /// and have ended by themselves. Their return code is unknown: the phase's state tells the outcome.
    /// </summary>
    Adopted,

    /// <summary>Stopped from outside (cancel now, budget) through the attempt's stop signal.</summary>
    Stopped,
}

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
}

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

public sealed record RestorePhaseInput(string SessionId, string? AttemptId, string RunId, string PhaseId, string Reason);

public sealed record RestorePhaseOutput(bool Restored, bool ProcessStopped);

/// <summary>
/// Save after a phase: rewrite the header block and append result number <see cref="ResultIndex"/>
/// (0-based). With <see cref="Result"/> null only the header is written (session start).
/// </summary>
public sealed record SaveSessionSnapshotInput
{
    public required string SessionId { get; init; }

    public required string StartedAt { get; init; }

    public int BatchSize { get; init; }

    public required PolicyState State { get; init; }

    public DrainResult? Result { get; init; }

    public int ResultIndex { get; init; }
}

public sealed record SaveSessionSnapshotOutput(string BlobName, long BytesStaged, long BlockListBytes);

public sealed record FinishSessionInput(string SessionId, string CompletedAt);

public sealed record FinishSessionOutput(string BlobName, string SummaryBlobName);
