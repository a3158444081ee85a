using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Ports;

/// <summary>What a pick asks the store for: the filters it applies before the policy sees a row.</summary>
/// <param name="RunId">Only this run (the <c>--run-id</c> flag), or every run.</param>
/// <param name="SkipRunPrefixes">Runs whose id starts with one of these are left out.</param>
/// <param name="ExcludedKeys"><c>run_id:phase_id</c> keys already processed in this session.</param>
public sealed record CandidateQuery(string? RunId, IReadOnlyList<string> SkipRunPrefixes, IReadOnlySet<string> ExcludedKeys)
{
    public static CandidateQuery All { get; } = new(null, [], new HashSet<string>());
}

/// <summary>The identity line's facts: which database, and how big its backlog is.</summary>
/// <param name="Database">The database URL with its password masked.</param>
/// <param name="Backlog">The backlog identity that scopes what drains remember (null for a simulated backlog).</param>
public sealed record BacklogSummary(string Database, long Runs, long Phases, long Failed, long InFlight, BacklogIdentity? Backlog = null)
{
    public bool IsEmpty => Runs == 0 && Phases == 0;

    public string IdentityLine =>
        $"Database: {Database} ({Runs} runs, {Phases} phases, {Failed} FAILED, {InFlight} in flight)"
        + (Backlog is null ? string.Empty : $" [backlog {Backlog.Canonical}]");
}

/// <summary>A phase row as the drain reads it.</summary>
public sealed record PhaseRecord(string RunId, string PhaseId, int PhaseIndex, string State, string? LastFailureReason);

public enum RequeueStatus
{
    /// <summary>FAILED became QUEUED: this drain owns the attempt.</summary>
    Requeued,

    /// <summary>No such phase.</summary>
    NotFound,

    /// <summary>The phase was no longer FAILED (another drain or Autopack took it first).</summary>
    NotFailed,
}

public sealed record RequeueOutcome(RequeueStatus Status, string? CurrentState);

/// <summary>
/// The backlog in Autopack's database. Implementations: PostgreSQL (Npgsql) and SQLite. They work
/// on Autopack's schema as it is, and stream candidates in the policy's order
/// (<see cref="PhaseOrder"/>) so that a pick reads no more rows than it needs.
/// </summary>
public interface IBacklogStore : IAsyncDisposable
{
    /// <summary>The database URL with the password masked, for every place it is shown.</summary>
    string DisplayName { get; }

    Task<BacklogSummary> DescribeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// FAILED phases in policy order (category, phase_index, run_id, phase_id in code-point
    /// order), with the query's filters applied and <see cref="PhaseCandidate.RunInFlightState"/>
    /// set for runs that have a phase in QUEUED, EXECUTING, GATE or CI_RUNNING.
    /// </summary>
    IAsyncEnumerable<PhaseCandidate> StreamCandidatesAsync(CandidateQuery query, CancellationToken cancellationToken = default);

    /// <summary>QUEUED phases in the whole database (every run), for the <c>[INFO] Skipping N individual QUEUED phases</c> line.</summary>
    Task<long> CountQueuedAsync(CancellationToken cancellationToken = default);

    Task<PhaseRecord?> GetPhaseAsync(string runId, string phaseId, CancellationToken cancellationToken = default);

    /// <summary>FAILED -> QUEUED only if still FAILED, atomically; the failure reason is kept.</summary>
    Task<RequeueOutcome> TryRequeueAsync(string runId, string phaseId, CancellationToken cancellationToken = default);

    /// <summary>
    /// QUEUED or EXECUTING -> FAILED with <paramref name="reason"/>; returns false (and changes
    /// nothing) when the phase already reached another state.
    /// </summary>
    Task<bool> RestoreToFailedAsync(string runId, string phaseId, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Re-reads the phase every <paramref name="pollInterval"/> until it is neither QUEUED nor
    /// EXECUTING or <paramref name="maxWait"/> has passed; returns the last state read.
    /// </summary>
    Task<PhaseRecord?> WaitForSettledAsync(string runId, string phaseId, TimeSpan maxWait, TimeSpan pollInterval, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rows in <c>token_estimation_v2_events</c> plus <c>token_budget_escalation_events</c>
    /// (optionally for one run), summed over the tables that exist; null (unknown, not zero) only
    /// when neither exists.
    /// </summary>
    Task<long?> CountTelemetryAsync(string? runId = null, CancellationToken cancellationToken = default);
}
