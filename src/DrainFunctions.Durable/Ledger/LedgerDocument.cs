using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrainFunctions.Durable.Ledger;

/// <summary>
/// One run's ledger blob (<c>ledger/runs/RUN.json</c>; the ledger is all of them): what earlier drains paid for, so that a scheduled drain
/// does not pay again for the same deterministic failure. Entries are kept flat, each with its
/// time and the session that recorded it, so that a reader can apply any window.
/// </summary>
public sealed class LedgerDocument
{
    public int Version { get; set; } = 1;

    /// <summary>One entry per drained attempt (interrupted attempts are not recorded).</summary>
    public List<LedgerAttempt> Attempts { get; set; } = [];

    /// <summary>Runs stopped by a repeated fingerprint (by a session's own bookkeeping).</summary>
    public List<LedgerRunStop> StoppedRuns { get; set; } = [];

    /// <summary>Fingerprints that reached max_fingerprint_repeats in a session.</summary>
    public List<LedgerFingerprintStop> StoppedFingerprints { get; set; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static LedgerDocument Parse(string json) =>
        string.IsNullOrWhiteSpace(json) ? new LedgerDocument() : JsonSerializer.Deserialize<LedgerDocument>(json, Json) ?? new LedgerDocument();

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>Drops entries older than <paramref name="since"/> (retention on write, not the read window).</summary>
    public void Prune(DateTimeOffset since)
    {
        Attempts.RemoveAll(a => a.At < since);
        StoppedRuns.RemoveAll(s => s.At < since);
        StoppedFingerprints.RemoveAll(s => s.At < since);
    }

    /// <summary>Forgets everything about a run; returns how many entries were removed.</summary>
    public int Forget(string runId) =>
        Attempts.RemoveAll(a => a.RunId == runId)
        + StoppedRuns.RemoveAll(s => s.RunId == runId)
        + StoppedFingerprints.RemoveAll(s => s.RunId == runId);
}

public sealed record LedgerAttempt
{
    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    public string PhaseKey => RunId + ":" + PhaseId;

    public DateTimeOffset At { get; init; }

    public string? Fingerprint { get; init; }

    public bool Timeout { get; init; }

    public bool Success { get; init; }

    public required string SessionId { get; init; }

    /// <summary>Makes recording idempotent: an activity retried after a write is not counted twice.</summary>
    public string? AttemptId { get; init; }
}

public sealed record LedgerRunStop
{
    public required string RunId { get; init; }

    public string? Fingerprint { get; init; }

    public DateTimeOffset At { get; init; }

    public required string SessionId { get; init; }

    /// <summary><c>fingerprint_repeats</c> (the session's own rule).</summary>
    public string Reason { get; init; } = "fingerprint_repeats";
}

public sealed record LedgerFingerprintStop
{
    public required string Fingerprint { get; init; }

    public required string RunId { get; init; }

    public DateTimeOffset At { get; init; }

    public required string SessionId { get; init; }
}
