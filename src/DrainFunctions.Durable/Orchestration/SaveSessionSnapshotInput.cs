using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// Save after a phase: rewrite the header block and append result number <see cref="ResultIndex"/>
/// (0-based). With <see cref="Result"/> null only the header is written (session start).
/// </summary>
public sealed record SaveSessionSnapshotInput
{
    public required string SessionId { get; init; }

    public required string StartedAt { get; init; }

    public int BatchSize { get; init; }

    /// <summary>
    /// The header's state (no processed keys, run timeouts or prior attempts: see <see cref="HeaderOf"/>).
    /// Null when <see cref="Next"/> is given: the header is then made from the selection's state, which
    /// the message would otherwise carry twice (issue 17: the save is most of a phase's queue bytes).
    /// </summary>
    public PolicyState? State { get; init; }

    public DrainResult? Result { get; init; }

    public int ResultIndex { get; init; }

    /// <summary>
    /// With the ledger on: the result's ledger entry, recorded right after the save (one round trip
    /// for both; a repeated call records it once, by attempt id). Null: no ledger.
    /// </summary>
    public Ledger.RecordLedgerEntryInput? Ledger { get; init; }

    /// <summary>
    /// The same as <see cref="Ledger"/> without a second copy of <see cref="Result"/>: the drains of
    /// this version send this one (<see cref="Ledger"/> stays for saves scheduled by earlier ones).
    /// </summary>
    public LedgerStops? LedgerEntry { get; init; }

    /// <summary>
    /// A sequential drain's next selection, made right after the save and the ledger entry (one
    /// round trip for the three; a selection changes nothing, so a repeated call is harmless). Null: none.
    /// </summary>
    public SelectNextPhaseInput? Next { get; init; }

    /// <summary>The drain lock's renewal due before that selection, made first (a lost lock: no selection). Null: none due.</summary>
    public RenewDrainLockInput? RenewLock { get; init; }

    /// <summary>
    /// The drain ends after this save: the session is finished in it (what <c>FinishSession</c> does),
    /// right after the result and its ledger entry. Two round trips fewer at the end of a drain. With
    /// <see cref="Next"/>, the drain ends when that selection finds nothing, and only then is the
    /// session finished (after the selection).
    /// </summary>
    public FinishSessionInput? Finish { get; init; }

    /// <summary>With <see cref="Finish"/>: the drain lock let go after it (what <c>ReleaseDrainLock</c> does).</summary>
    public ReleaseDrainLockInput? ReleaseLock { get; init; }

    /// <summary>The state the header is saved with: <see cref="State"/>, or the one <see cref="Next"/> carries.</summary>
    public PolicyState HeaderState() =>
        State ?? (Next is { } next ? HeaderOf(next.State) : throw new InvalidOperationException("a save needs a state or a selection"));

    /// <summary>The result's ledger entry, if any (<see cref="Ledger"/>, or <see cref="LedgerEntry"/> with <see cref="Result"/>).</summary>
    public Ledger.RecordLedgerEntryInput? LedgerEntryInput() =>
        Ledger ?? (LedgerEntry is { } stops && Result is { } result
            ? new Ledger.RecordLedgerEntryInput { SessionId = SessionId, Result = result, RunStopped = stops.RunStopped, FingerprintStopped = stops.FingerprintStopped }
            : null);

    /// <summary>
    /// A real drain's first save (generation 0, nothing processed yet): the header, and in a
    /// sequential drain that will pick, the lock's renewal and the first selection with it. Made by
    /// the starter before it schedules the drain (<see cref="Api.DrainLauncher"/>), or by the
    /// orchestration when the starter did not (<see cref="DrainOrchestrationInput.FirstSave"/>).
    /// </summary>
    public static SaveSessionSnapshotInput First(DrainOrchestrationInput input, string sessionId, DateTimeOffset started, string instanceId, DateTimeOffset now, string? cancelMode)
    {
        ArgumentNullException.ThrowIfNull(input);
        var options = input.Options;
        var state = input.State.Clone();
        state.ProcessedKeys.UnionWith(ProcessedKeyGroups.Expand(input.ProcessedByRun));
        var pick = !options.DryRun && options.ParallelSlots() == 1
            && !DrainLoopRules.BeforePhase(state.TotalProcessed, options, started, now, cancelMode).Stops;
        var next = pick ? SelectNextPhaseInput.For(state, options, sessionId, [], withSave: true) : null;
        return new SaveSessionSnapshotInput
        {
            SessionId = sessionId,
            StartedAt = Iso8601.Format(started),
            BatchSize = options.BatchSize,
            State = next is null ? HeaderOf(state) : null,
            ResultIndex = 0,
            Next = next,
            RenewLock = pick ? RenewDrainLockInput.WhenDue(options, input.LockToken, sessionId, instanceId, now, input.LockExpiresAt, input.GraceSeconds) : null,
            Finish = pick ? new FinishSessionInput(sessionId, Iso8601.Format(now)) : null,
            ReleaseLock = pick && input.LockToken is { } token ? new ReleaseDrainLockInput(token) : null,
        };
    }

    /// <summary>
    /// The session header needs no processed keys, run timeouts or prior attempts (the results and the
    /// ledger hold them); leaving them out keeps the payload small.
    /// </summary>
    public static PolicyState HeaderOf(PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var header = state.Clone();
        header.ProcessedKeys.Clear();
        header.RunTimeouts.Clear();
        header.PriorAttempts.Clear();
        return header;
    }
}

/// <summary>What the ledger entry of a save's result adds to the result (see <see cref="Ledger.RecordLedgerEntryInput"/>).</summary>
public sealed record LedgerStops(bool RunStopped, bool FingerprintStopped);
