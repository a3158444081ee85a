using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// What a sequential drain's executor activity needs to record its own attempt when it settles
/// it inline: the result decided, the save made (result, ledger entry, lock renewal, next
/// selection, and the session's end when the drain ends there), as the orchestration would make
/// them after the activity returned. One trip through the engine fewer a phase (issue 17). The
/// orchestration records the same result and adopts the save. The call decides with no cancel
/// and an earlier clock, so the orchestration can only stop where the call went on (a cancel came
/// meanwhile), never the other way round; it then finishes the session and lets the lock go itself.
/// </summary>
public sealed record InlineRecordPlan
{
    /// <summary>The policy state before this attempt's result, with the options and the processed keys.</summary>
    public required SelectNextPhaseInput Before { get; init; }

    /// <summary>The session's start (the budget's origin).</summary>
    public required DateTimeOffset SessionStartedAt { get; init; }

    /// <summary>When the attempt began, in the orchestration's time (its elapsed time counts from it).</summary>
    public DateTimeOffset AttemptStartedAt { get; init; }

    /// <summary>The telemetry count before the attempt (null: no telemetry table).</summary>
    public long? TelemetryBefore { get; init; }

    /// <summary>The attempt's phase timeout, as its result reports it.</summary>
    public int PhaseTimeoutSeconds { get; init; }

    /// <summary>The generation may start another phase: a selection that finds nothing ends the drain in the save.</summary>
    public bool MayStartInGeneration { get; init; }

    public string? LockToken { get; init; }

    public required string InstanceId { get; init; }

    public DateTimeOffset? LockExpiresAt { get; init; }

    public int GraceSeconds { get; init; }

    /// <summary>
    /// The ordinal the next attempt gets when the call may start it itself, right after its save
    /// selected it (<see cref="InlineRecord.Next"/>): where the orchestration's calls run in the
    /// process that runs the executors (the local host), and the generation may start another phase.
    /// Null: the orchestration starts the next attempt.
    /// </summary>
    public int? NextOrdinal { get; init; }

    /// <summary>
    /// The call of the next attempt as the orchestration makes it for <paramref name="phase"/> (the
    /// slot's, with no progress-aware timeout; sequential drains only), to run to <paramref name="deadline"/>.
    /// </summary>
    public RunPhaseExecutorInput NextAttempt(PhaseCandidate phase, int ordinal, DateTimeOffset deadline)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var options = Before.Options;
        var sessionId = Before.SessionId ?? throw new InvalidOperationException("an inline record needs its session id");
        return RunPhaseExecutorInput.For(sessionId, AttemptIds.For(LockToken ?? InstanceId, sessionId, ordinal, phase.Key), phase, deadline, TimeSpan.FromSeconds(Math.Max(0, GraceSeconds)), options.PhaseTimeoutSeconds, mayExtend: false, telemetryRunId: null, options.SlotFor(1));
    }

    /// <summary>
    /// The result of an attempt its executor reported and the call settled, as
    /// <see cref="PhaseResults.Decide"/> makes it in the orchestration (same facts, same rules).
    /// </summary>
    public static DrainResult Decide(PhaseCandidate phase, string attemptId, string sessionId, PhaseRaceEnd race, SettlePhaseOutcomeOutput settled, long? telemetryBefore, long? telemetryAfter, DateTimeOffset attemptStart, DateTimeOffset now, int phaseTimeoutSeconds, double? maxTotalMinutes)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(settled);
        return PhaseResults.Decide(new PhaseAttemptFacts
        {
            Phase = phase,
            AttemptId = attemptId,
            Race = race,
            Settlement = new PhaseSettlement(settled.Found, settled.State, settled.LastFailureReason, settled.Restored, settled.Stage is { } stage && AttemptStages.MayHaveStarted(stage)),
            TelemetryDelta = telemetryBefore is { } b && telemetryAfter is { } a ? a - b : null,
            ElapsedSeconds = Math.Round((now - attemptStart).TotalSeconds, 3),
            Timestamp = now,
            PhaseTimeoutSeconds = phaseTimeoutSeconds,
            MaxTotalMinutes = maxTotalMinutes,
            DefaultStdoutPath = BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stdout"),
            DefaultStderrPath = BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stderr"),
        });
    }

    /// <summary>The ledger entry's stops of a result recorded in <paramref name="state"/>; null without the ledger.</summary>
    public static LedgerStops? LedgerStopsOf(PolicyState state, DrainResult result, Core.Options.DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        return options.LedgerEnabled
            ? new LedgerStops(RunStopped: state.StoppedRuns.Contains(result.RunId), FingerprintStopped: result.FailureFingerprint is { } fp && state.StoppedFingerprints.Contains(fp))
            : null;
    }

    /// <summary>
    /// The save the orchestration makes after <paramref name="result"/> (recorded in a copy of
    /// <see cref="Before"/>'s state), as of <paramref name="now"/> and with no cancel asked for.
    /// </summary>
    public SaveSessionSnapshotInput SaveAfter(DrainResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        var options = Before.Options;
        var sessionId = Before.SessionId ?? throw new InvalidOperationException("an inline record needs its session id");
        var state = Before.ExpandedState();
        var book = PolicyBookkeeper.Record(state, result, options);
        var (stop, pickNext, ends) = After(book, options, state.TotalProcessed, SessionStartedAt, now, cancelMode: null, MayStartInGeneration);
        SelectNextPhaseInput? next = null;
        if (pickNext)
        {
            next = SelectNextPhaseInput.For(state, options, sessionId, [], withSave: true);
            if (Before.ProcessedFromSession)
            {
                // The keys did not travel: the save reads them from the session, as before.
                next = next with { ProcessedByRun = [], ProcessedFromSession = true };
            }
        }

        return new SaveSessionSnapshotInput
        {
            SessionId = sessionId,
            StartedAt = Iso8601.Format(SessionStartedAt),
            BatchSize = options.BatchSize,
            State = next is null ? SaveSessionSnapshotInput.HeaderOf(state) : null,
            Result = result,
            ResultIndex = state.TotalProcessed - 1,
            LedgerEntry = LedgerStopsOf(state, result, options),
            Next = next,
            RenewLock = pickNext ? RenewDrainLockInput.WhenDue(options, LockToken, sessionId, InstanceId, now, LockExpiresAt, GraceSeconds) : null,
            Finish = ends ? new FinishSessionInput(sessionId, Iso8601.Format(now)) : null,
            ReleaseLock = ends && !options.DryRun && stop.Stop != SessionStop.LockLost && LockToken is { } token ? new ReleaseDrainLockInput(token) : null,
        };
    }

    /// <summary>
    /// A sequential drain's decisions after a phase whose executor reported: the stop (the phase's
    /// own, then the check before the next pick), whether the save selects the next phase, and
    /// whether the drain ends in it. The orchestration's loop reaches the same ones for one slot.
    /// </summary>
    private static (StopDecision Stop, bool PickNext, bool Ends) After(BookkeepingOutcome book, Core.Options.DrainOptions options, int processed, DateTimeOffset sessionStart, DateTimeOffset now, string? cancelMode, bool mayStartInGeneration)
    {
        var stop = DrainLoopRules.AfterPhase(PhaseRaceWinner.ExecutorReported, book, options);
        if (!stop.Stops)
        {
            stop = DrainLoopRules.BeforePhase(processed, options, sessionStart, now, cancelMode);
        }

        var pickNext = !stop.Stops;
        return (stop, pickNext, stop.Stops || (pickNext && mayStartInGeneration));
    }
}

/// <summary>What the executor activity recorded itself (<see cref="InlineRecordPlan"/>).</summary>
/// <param name="Result">The attempt's result, as saved.</param>
/// <param name="Save">The save's output (with the next selection, the renewal, the end).</param>
public sealed record InlineRecord(DrainResult Result, SaveSessionSnapshotOutput Save)
{
    /// <summary>
    /// The next attempt, of the phase the save selected, when the call started it itself
    /// (<see cref="InlineRecordPlan.NextOrdinal"/>): the orchestration's next call takes it over,
    /// and runs it whatever it decides meanwhile (a stop applies after it).
    /// </summary>
    public PrestartedAttempt? Next { get; init; }
}
