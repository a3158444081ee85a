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

    public required PolicyState State { get; init; }

    public DrainResult? Result { get; init; }

    public int ResultIndex { get; init; }

    /// <summary>
    /// With the ledger on: the result's ledger entry, recorded right after the save (one round trip
    /// for both; a repeated call records it once, by attempt id). Null: no ledger.
    /// </summary>
    public Ledger.RecordLedgerEntryInput? Ledger { get; init; }

    /// <summary>
    /// A sequential drain's next selection, made right after the save and the ledger entry (one
    /// round trip for the three; a selection changes nothing, so a repeated call is harmless). Null: none.
    /// </summary>
    public SelectNextPhaseInput? Next { get; init; }

    /// <summary>The drain lock's renewal due before that selection, made first (a lost lock: no selection). Null: none due.</summary>
    public RenewDrainLockInput? RenewLock { get; init; }
}
