using DrainFunctions.Core.Options;
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

    /// <summary>
    /// The attempts of a generation share one phase timer and one budget timer (<see cref="GenerationTimers"/>):
    /// set by the starters of this version. False (or missing, in the input of a drain an earlier
    /// version scheduled): a timer each, as that version's histories were written, so they replay.
    /// </summary>
    public bool SharedTimers { get; init; }

    /// <summary>
    /// A sequential drain's executor call, having recorded its attempt, starts the next one itself
    /// (<see cref="InlineRecord.Next"/>): set by starters whose process runs the orchestration's calls
    /// and the executors (the local host). False: the orchestration starts every attempt.
    /// </summary>
    public bool StartNextInCall { get; init; }

    // ---- carried across generations (null/empty on the first start) ----
    public string? SessionId { get; init; }

    /// <summary>When the drain lock runs out unless renewed (null: renew before the first phase).</summary>
    public DateTimeOffset? LockExpiresAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// The save made before this generation's first pick, with its lock renewal and the selection of
    /// that pick: the session's first save made by the starter (<see cref="SaveSessionSnapshotInput.First"/>),
    /// or the previous generation's last save. The first phase of a generation starts one activity
    /// round trip sooner. Null: the orchestration makes the first save, or selects, itself (a starter
    /// without the backlog, a first save that failed there, parallel drains, and the drains scheduled
    /// by earlier versions).
    /// </summary>
    public SaveSessionSnapshotOutput? FirstSave { get; init; }

    /// <summary>
    /// The first phase's attempt, started by the starter right after it scheduled this drain
    /// (<see cref="Api.DrainLauncher"/>): the first pick runs that attempt, with its deadline, and
    /// its executor call takes over the run in progress (<see cref="Hosting.AttemptRegistry.TryClaim"/>).
    /// Null: the orchestration starts its first attempt itself.
    /// </summary>
    public PrestartedAttempt? FirstAttempt { get; init; }

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
