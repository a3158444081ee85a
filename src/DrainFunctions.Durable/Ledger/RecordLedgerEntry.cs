using DrainFunctions.Core.Sessions;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Ledger;

/// <summary>What the orchestrator hands over after a result: the result and the stops its bookkeeping made.</summary>
public sealed record RecordLedgerEntryInput
{
    public required string SessionId { get; init; }

    public required DrainResult Result { get; init; }

    /// <summary>The result's run is in the session's stopped runs (after this result).</summary>
    public bool RunStopped { get; init; }

    /// <summary>The result's fingerprint is in the session's stopped fingerprints (after this result).</summary>
    public bool FingerprintStopped { get; init; }
}

public sealed record RecordLedgerEntryOutput(bool Recorded, int Attempts);

/// <summary>
/// Writes one drained attempt to the ledger. Interrupted attempts (cancel, budget, lost,
/// re-queue conflict) say nothing about the phase and are not recorded. Idempotent by attempt id.
/// Drains now record their entries with the result's save (<see cref="Activities.SaveSessionSnapshot"/>,
/// one round trip for both); the activity stays for the histories of drains started before.
/// </summary>
public sealed class RecordLedgerEntry(BlobLedgerStore ledger) : TaskActivity<RecordLedgerEntryInput, RecordLedgerEntryOutput>
{
    public override Task<RecordLedgerEntryOutput> RunAsync(TaskActivityContext context, RecordLedgerEntryInput input) => RecordAsync(ledger, input);

    public static async Task<RecordLedgerEntryOutput> RecordAsync(BlobLedgerStore ledger, RecordLedgerEntryInput input)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(input);
        var r = input.Result;
        if (r.InterruptedBy is not null)
        {
            return new RecordLedgerEntryOutput(false, 0);
        }

        var at = Iso8601.TryParse(r.Timestamp, out var t) ? t : ledger.Now;
        var record = new LedgerRecord(
            new LedgerAttempt
            {
                RunId = r.RunId,
                PhaseId = r.PhaseId,
                At = at,
                Fingerprint = r.FailureFingerprint,
                Timeout = r.IsTimeout,
                Success = r.Success,
                SessionId = input.SessionId,
                AttemptId = r.AttemptId,
            },
            input.RunStopped ? new LedgerRunStop { RunId = r.RunId, Fingerprint = r.FailureFingerprint, At = at, SessionId = input.SessionId } : null,
            input.FingerprintStopped && r.FailureFingerprint is { } fp ? new LedgerFingerprintStop { Fingerprint = fp, RunId = r.RunId, At = at, SessionId = input.SessionId } : null);
        var document = await Hosting.Outage.GuardAsync($"recording {r.RunId}:{r.PhaseId} in the ledger", ledger.ContainerUri, () => ledger.RecordAsync(record));
        return new RecordLedgerEntryOutput(true, document.Attempts.Count);
    }
}
