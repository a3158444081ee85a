using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Ports;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Ledger;

/// <summary>
/// The ledger across sessions, per backlog: one JSON blob per run (<see cref="RunBlobName"/>) in the snapshots
/// container, so that recording a phase rewrites only its run's entries and the bytes written per
/// phase do not grow with the phases already recorded (one blob for everything grew to ~340 KB per
/// write at 1,000 phases). Every change is read-modify-write with optimistic concurrency: the
/// upload carries the ETag read (If-Match), or If-None-Match * when the blob did not exist; on
/// 412/409 the blob is read again and the change re-applied, so two writers never lose each
/// other's updates.
/// </summary>
public sealed class BlobLedgerStore
{
    /// <summary>
    /// Where entries written before the ledger was scoped by backlog live. No drain reads them (their
    /// database is unknown); <c>drain ledger show --all</c> lists them.
    /// </summary>
    public const string LegacyPrefix = "ledger/runs/";

    private const string Root = "ledger/";

    /// <summary>The run blobs of one backlog: <c>ledger/&lt;backlog key&gt;/runs/</c>.</summary>
    public static string PrefixOf(BacklogIdentity? backlog) => backlog is null ? LegacyPrefix : $"{Root}{backlog.Key}/runs/";

    /// <summary>The blob of one run's entries (the run id escaped, so any id makes one blob name).</summary>
    /// <summary>
    /// <c>ledger/&lt;backlog key&gt;/runs/&lt;escaped run id&gt;.json</c>; a run id whose escaped form would
    /// pass Azure's 254-character segment limit gets a readable prefix, <c>!</c> and a hash (escaping
    /// turns every <c>!</c> of an id into <c>%21</c>, so a cut name never equals a whole one).
    /// </summary>
    public string RunBlobName(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var escaped = Uri.EscapeDataString(runId);
        const int suffix = 5;
        return prefix + (escaped.Length + suffix <= BlobNames.MaxSegmentLength ? escaped : BlobNames.Cut(escaped, 100) + "!" + BlobNames.Hash(runId)) + ".json";
    }

    /// <summary>Entries older than this are dropped on write (the read window is shorter).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private const int MaxConflictRetries = 100;

    // Run blobs as last downloaded or written, by name, with their ETags; documents are never changed in place.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ETag ETag, LedgerDocument Document)> cache = new(StringComparer.Ordinal);

    /// <summary>The cache holds every run blob as of a listing (and this process's writes since).</summary>
    private volatile bool listedOnce;
    private readonly BlobContainerClient container;
    private readonly TimeProvider clock;
    private readonly BacklogIdentity? scope;
    private readonly string prefix;
    private int containerReady;

    public BlobLedgerStore(BlobServiceClient service, IOptions<SnapshotOptions> options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        container = service.GetBlobContainerClient(options.Value.ContainerName);
        this.clock = clock ?? TimeProvider.System;
        scope = options.Value.BacklogScope();
        prefix = PrefixOf(scope);
    }

    /// <summary>The backlog whose ledger this is; null for the entries written before scoping.</summary>
    public BacklogIdentity? Scope => scope;

    /// <summary>How many conflicts (412/409) updates met and retried; for tests and logs.</summary>
    public int ConflictsRetried => Volatile.Read(ref conflicts);

    private int conflicts;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The container's address, for messages about an unreachable storage.</summary>
    public Uri ContainerUri => container.Uri;

    /// <summary>
    /// The whole ledger: every run's entries merged (reads only; writes go per run). One listing
    /// gives every run blob's ETag; only blobs changed since the last read are downloaded again,
    /// so a pick reads about one run blob, not all of them.
    /// </summary>
    public async Task<(LedgerDocument Document, ETag? ETag)> ReadAsync(CancellationToken cancellationToken = default)
    {
        var merged = new LedgerDocument();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                listed.Add(item.Name);
                LedgerDocument run;
                if (cache.TryGetValue(item.Name, out var cached) && SameETag(cached.ETag, item.Properties.ETag))
                {
                    run = cached.Document;
                }
                else
                {
                    var (document, etag) = await ReadBlobAsync(item.Name, cancellationToken);
                    run = document;
                    if (etag is { } tag)
                    {
                        cache[item.Name] = (tag, document);
                    }
                }

                merged.Attempts.AddRange(run.Attempts);
                merged.StoppedRuns.AddRange(run.StoppedRuns);
                merged.StoppedFingerprints.AddRange(run.StoppedFingerprints);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: an empty ledger.
        }

        foreach (var gone in cache.Keys.Where(k => !listed.Contains(k)).ToList())
        {
            cache.TryRemove(gone, out _);
        }

        listedOnce = true;

        return (merged, null);
    }

    // Listings and downloads may quote an ETag differently.
    private static bool SameETag(ETag known, ETag? listed) =>
        listed is { } value && known.ToString().Trim('"') == value.ToString().Trim('"');

    private async Task<(LedgerDocument Document, ETag? ETag)> ReadBlobAsync(string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return (LedgerDocument.Parse(content.Value.Content.ToString()), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (new LedgerDocument(), null);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the entries of <paramref name="runId"/> (return false
    /// for "nothing to write") until the write wins; returns the run's document as written (or as
    /// read when nothing changed).
    /// </summary>
    public async Task<LedgerDocument> UpdateAsync(string runId, Func<LedgerDocument, bool> change, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentNullException.ThrowIfNull(change);
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlobClient(RunBlobName(runId));
        for (var attempt = 0; ; attempt++)
        {
            // First from the last listing or write (no read): a blob it did not see is taken for
            // absent, and the condition makes the write fail, then read, if anybody wrote since.
            var (document, etag) = attempt == 0 && listedOnce
                ? (cache.TryGetValue(blob.Name, out var known) ? (LedgerDocument.Parse(known.Document.Serialize()), known.ETag) : (new LedgerDocument(), (ETag?)null))
                : await ReadBlobAsync(blob.Name, cancellationToken);
            if (!change(document))
            {
                return document;
            }

            document.Prune(Now - Retention);
            var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                var written = await blob.UploadAsync(BinaryData.FromString(document.Serialize()), new BlobUploadOptions
                {
                    Conditions = conditions,
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                    Metadata = scope is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { [BlobSessionStore.BacklogMetadata] = Uri.EscapeDataString(scope.Canonical) },
                }, cancellationToken);

                // The next listing finds this ETag: no download of what was just written.
                cache[blob.Name] = (written.Value.ETag, LedgerDocument.Parse(document.Serialize()));
                return document;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxConflictRetries)
            {
                Interlocked.Increment(ref conflicts);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50 + Math.Min(attempt, 10) * 20)), cancellationToken);
            }
        }
    }

    /// <summary>Records one drained attempt (idempotent by attempt id) and the stops it caused.</summary>
    public Task<LedgerDocument> RecordAsync(LedgerRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var runId = record.Attempt?.RunId ?? record.RunStop?.RunId ?? record.FingerprintStop?.RunId
            ?? throw new ArgumentException("a ledger record names a run", nameof(record));
        return UpdateAsync(runId, doc =>
        {
            var changed = false;
            if (record.Attempt is { } attempt
                && (attempt.AttemptId is null || !doc.Attempts.Any(a => a.AttemptId == attempt.AttemptId)))
            {
                doc.Attempts.Add(attempt);
                changed = true;
            }

            if (record.RunStop is { } stop && !doc.StoppedRuns.Any(s => s.RunId == stop.RunId && s.SessionId == stop.SessionId))
            {
                doc.StoppedRuns.Add(stop);
                changed = true;
            }

            if (record.FingerprintStop is { } fp
                && !doc.StoppedFingerprints.Any(s => s.Fingerprint == fp.Fingerprint && s.RunId == fp.RunId && s.SessionId == fp.SessionId))
            {
                doc.StoppedFingerprints.Add(fp);
                changed = true;
            }

            return changed;
        }, cancellationToken);
    }

    /// <summary>Forgets a run (its attempts, timeouts and stops): the next drain may try it again. Returns the entries removed.</summary>
    public async Task<int> ForgetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var removed = 0;
        await UpdateAsync(runId, doc =>
        {
            removed = doc.Forget(runId);
            return removed > 0;
        }, cancellationToken);
        return removed;
    }

    /// <summary>The selector's view for <paramref name="sessionId"/>, now.</summary>
    public async Task<LedgerView> ViewAsync(string? sessionId, int windowHours, int maxFingerprintRepeats, CancellationToken cancellationToken = default)
    {
        var (document, _) = await ReadAsync(cancellationToken);
        return new LedgerView(document, sessionId, Now, windowHours, maxFingerprintRepeats);
    }

    /// <summary>
    /// The ledger of every backlog in the container, and the entries written before scoping
    /// (backlog <see cref="LegacyBacklog"/>), each summarized within the window: <c>drain ledger show --all</c>.
    /// </summary>
    public async Task<IReadOnlyList<BacklogLedger>> ShowEveryBacklogAsync(int windowHours, int maxFingerprintRepeats, CancellationToken cancellationToken = default)
    {
        var documents = new SortedDictionary<string, (string Backlog, LedgerDocument Document)>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = Root, Traits = BlobTraits.Metadata }, cancellationToken))
            {
                // ledger/runs/<run>.json (before scoping) or ledger/<key>/runs/<run>.json.
                var parts = item.Name.Split('/');
                var key = item.Name.StartsWith(LegacyPrefix, StringComparison.Ordinal) ? string.Empty : parts.Length == 4 && parts[2] == "runs" ? parts[1] : null;
                if (key is null)
                {
                    continue;
                }

                var backlog = key.Length == 0 ? LegacyBacklog
                    : item.Metadata is { } m && m.TryGetValue(BlobSessionStore.BacklogMetadata, out var escaped) ? Uri.UnescapeDataString(escaped) : $"(backlog key {key})";
                if (!documents.TryGetValue(key, out var entry))
                {
                    entry = (backlog, new LedgerDocument());
                    documents[key] = entry;
                }

                var (run, _) = await ReadBlobAsync(item.Name, cancellationToken);
                entry.Document.Attempts.AddRange(run.Attempts);
                entry.Document.StoppedRuns.AddRange(run.StoppedRuns);
                entry.Document.StoppedFingerprints.AddRange(run.StoppedFingerprints);
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: no ledger at all.
        }

        return [.. documents.Select(d => new BacklogLedger(d.Value.Backlog, d.Key.Length == 0 ? null : d.Key, LedgerSnapshot.From(d.Value.Document, Now, windowHours, maxFingerprintRepeats)))];
    }

    /// <summary>How <see cref="ShowEveryBacklogAsync"/> names the entries written before the ledger was scoped by backlog.</summary>
    public const string LegacyBacklog = "(unknown: written before the ledger was kept per database)";

    /// <summary>What <c>GET /api/ledger</c> and <c>drain ledger show</c> print: the ledger within the window.</summary>
    public async Task<LedgerSnapshot> ShowAsync(int windowHours, int maxFingerprintRepeats, CancellationToken cancellationToken = default)
    {
        var (document, _) = await ReadAsync(cancellationToken);
        return LedgerSnapshot.From(document, Now, windowHours, maxFingerprintRepeats);
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref containerReady) == 1)
        {
            return;
        }

        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        Volatile.Write(ref containerReady, 1);
    }
}

/// <summary>One backlog's ledger, for <c>drain ledger show --all</c>; <paramref name="Key"/> is null for the entries written before scoping.</summary>
public sealed record BacklogLedger(string Backlog, string? Key, LedgerSnapshot Ledger);

/// <summary>One change to record: an attempt, and the stops the session's bookkeeping made after it.</summary>
public sealed record LedgerRecord(LedgerAttempt? Attempt, LedgerRunStop? RunStop = null, LedgerFingerprintStop? FingerprintStop = null);

/// <summary>The ledger summarized within a window, per phase and per run.</summary>
public sealed record LedgerSnapshot
{
    public DateTimeOffset Now { get; init; }

    public int WindowHours { get; init; }

    public List<PhaseAttempts> Phases { get; init; } = [];

    public List<RunTimeouts> Timeouts { get; init; } = [];

    public List<LedgerRunStop> StoppedRuns { get; init; } = [];

    public List<LedgerFingerprintStop> StoppedFingerprints { get; init; } = [];

    /// <summary>Runs the selector skips now (recorded stops and the repeat rules).</summary>
    public List<string> RunsSkipped { get; init; } = [];

    public static LedgerSnapshot From(LedgerDocument document, DateTimeOffset now, int windowHours, int maxFingerprintRepeats)
    {
        ArgumentNullException.ThrowIfNull(document);
        var since = now - TimeSpan.FromHours(windowHours);
        var live = document.Attempts.Where(a => a.At >= since).OrderBy(a => a.At).ToList();
        var view = new LedgerView(document, null, now, windowHours, maxFingerprintRepeats);
        return new LedgerSnapshot
        {
            Now = now,
            WindowHours = windowHours,
            Phases = [.. live.GroupBy(a => a.PhaseKey, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var last = g.Last();
                return new PhaseAttempts(g.Key, g.Count(), last.Fingerprint, last.At, last.SessionId);
            })],
            Timeouts = [.. live.Where(a => a.Timeout).GroupBy(a => a.RunId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new RunTimeouts(g.Key, g.Count(), g.Last().At, g.Last().SessionId))],
            StoppedRuns = [.. document.StoppedRuns.Where(s => s.At >= since)],
            StoppedFingerprints = [.. document.StoppedFingerprints.Where(s => s.At >= since)],
            RunsSkipped = [.. view.StoppedRuns.Order(StringComparer.Ordinal)],
        };
    }
}

public sealed record PhaseAttempts(string Phase, int Count, string? LastFingerprint, DateTimeOffset LastAt, string SessionId);

public sealed record RunTimeouts(string RunId, int Count, DateTimeOffset LastAt, string SessionId);
