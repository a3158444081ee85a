using System.Text;
using System.Xml;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Storage;

/// <summary>What one save wrote: staged data bytes, and the size of the committed block list.</summary>
public sealed record SaveMetrics(long BytesStaged, long BlockListBytes);

/// <summary>A stored session as listed: its id and the backlog it drained (null: stored before sessions were scoped).</summary>
public sealed record StoredSession(string SessionId, string? BacklogKey, string? Backlog)
{
    /// <summary>The totals the last commit tagged the blob with; null for a session stored before they were.</summary>
    public StoredTotals? Totals { get; init; }
}

/// <summary>
/// Session snapshots, attempt markers and logs in one blob container.
/// <list type="bullet">
/// <item><c>&lt;session-id&gt;.json</c>: a block blob whose block list is [header][result 0..n-1][footer];
/// a save stages the header, the new result and the footer and commits the list, so earlier
/// results are never rewritten, and the commit is atomic (readers see the old or the new document).</item>
/// <item><c>&lt;session-id&gt;.summary.txt</c>: the summary report, at the end.</item>
/// <item><c>&lt;session-id&gt;/attempts/&lt;attempt-id&gt;</c>: written (if absent) before an executor starts;
/// <c>.stop</c> beside it asks a running attempt to stop.</item>
/// <item><c>&lt;session-id&gt;/logs/&lt;run_id&gt;__&lt;phase_id&gt;.stdout.txt</c> / <c>.stderr.txt</c>: append blobs.</item>
/// </list>
/// </summary>
public sealed class BlobSessionStore
{
    /// <summary>Metadata names on a session blob: the backlog it drained (escaped) and that backlog's key.</summary>
    public const string BacklogMetadata = "backlog";
    public const string BacklogKeyMetadata = "backlogkey";

    /// <summary>The header's totals on every commit (<see cref="StoredTotals"/>): a listing shows them without reading each session.</summary>
    public const string TotalsMetadata = "totals";

    private readonly BlobContainerClient container;
    private readonly BacklogIdentity? scope;
    private const int MaxRememberedAttempts = 1024;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (AttemptRecord Record, ETag ETag)> writtenAttempts = new(StringComparer.Ordinal);
    private int containerReady;

    public BlobSessionStore(BlobServiceClient service, IOptions<SnapshotOptions> options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        container = service.GetBlobContainerClient(options.Value.ContainerName);
        scope = options.Value.BacklogScope();
    }

    public BlobContainerClient Container => container;

    /// <summary>The backlog this store's sessions belong to; null for a store that reads every backlog.</summary>
    public BacklogIdentity? Scope => scope;

    /// <summary>
    /// Stored sessions, newest first (ids sort by their UTC start time): this store's backlog only,
    /// or every one with <paramref name="allBacklogs"/> (or when the store has no scope).
    /// </summary>
    public async Task<IReadOnlyList<StoredSession>> ListSessionsAsync(bool allBacklogs = false, CancellationToken cancellationToken = default)
    {
        var sessions = new List<StoredSession>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = SessionIds.Prefix, Traits = BlobTraits.Metadata }, cancellationToken))
            {
                if (!item.Name.EndsWith(".json", StringComparison.Ordinal) || item.Name.Contains('/', StringComparison.Ordinal) || !SessionIds.IsValid(item.Name[..^5]))
                {
                    continue;
                }

                var key = item.Metadata is { } m1 && m1.TryGetValue(BacklogKeyMetadata, out var k) ? k : null;
                var backlog = item.Metadata is { } m2 && m2.TryGetValue(BacklogMetadata, out var escaped) ? Uri.UnescapeDataString(escaped) : null;
                if (allBacklogs || scope is null || key == scope.Key)
                {
                    var totals = item.Metadata is { } m3 && m3.TryGetValue(TotalsMetadata, out var tag) ? StoredTotals.Parse(tag) : null;
                    sessions.Add(new StoredSession(item.Name[..^5], key, backlog) { Totals = totals });
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // no container yet: no sessions
        }

        sessions.Sort((a, b) => string.CompareOrdinal(b.SessionId, a.SessionId));
        return sessions;
    }

    /// <summary>Headers, the backlog tag and the totals of every commit: a commit replaces the blob's metadata, so each one carries them.</summary>
    private CommitBlockListOptions CommitOptions(DrainSession header)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [TotalsMetadata] = StoredTotals.Of(header).Format() };
        if (scope is not null)
        {
            metadata[BacklogMetadata] = Uri.EscapeDataString(scope.Canonical);
            metadata[BacklogKeyMetadata] = scope.Key;
        }

        return new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" }, Metadata = metadata };
    }

    // Every id goes through BlobNames: ids are escaped (nothing leaves its folder, no two ids share
    // a blob) and bounded (a name stays within Azure's limits); ordinary ids keep their names.
    private const string SummarySuffix = ".summary.txt";
    private const string StopSuffix = ".stop";

    /// <summary>The longest stream suffix of a log blob (<c>.stdout.txt</c>, <c>.stderr.txt</c>).</summary>
    private const int LogSuffixLength = 11;

    public static string SessionBlobName(string sessionId) => BlobNames.Segment(sessionId, SummarySuffix.Length) + ".json";

    public static string SummaryBlobName(string sessionId) => BlobNames.Segment(sessionId, SummarySuffix.Length) + SummarySuffix;

    public static string AttemptBlobName(string sessionId, string attemptId) =>
        $"{BlobNames.Segment(sessionId)}/attempts/{BlobNames.Segment(attemptId, StopSuffix.Length)}";

    public static string StopBlobName(string sessionId, string attemptId) => AttemptBlobName(sessionId, attemptId) + StopSuffix;

    /// <summary><c>cancels/&lt;instance&gt;</c>: see <see cref="RequestCancelAsync"/>.</summary>
    public static string CancelBlobName(string instanceId) => $"{CancelsFolder}/{BlobNames.Segment(instanceId)}";

    private const string CancelsFolder = "cancels";

    /// <summary>
    /// <c>&lt;session&gt;/logs/&lt;run&gt;__&lt;phase&gt;.&lt;stream&gt;.txt</c>; the session JSON's
    /// <c>subprocess_stdout_path</c> holds this name, so it always points at the blob written.
    /// </summary>
    public static string LogBlobName(string sessionId, string runId, string phaseId, string stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is not ("stdout" or "stderr"))
        {
            throw new ArgumentException($"stream must be stdout or stderr, not '{stream}'", nameof(stream));
        }

        return $"{BlobNames.Segment(sessionId)}/logs/{BlobNames.Pair(runId, phaseId, LogSuffixLength)}.{stream}.txt";
    }

    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref containerReady) == 1)
        {
            return;
        }

        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        Volatile.Write(ref containerReady, 1);
    }

    /// <summary>
    /// Writes the header (always) and result number <paramref name="resultIndex"/> (when given);
    /// the committed document then holds results 0..<paramref name="resultIndex"/>. Idempotent: a
    /// retried save stages the same block ids again.
    /// </summary>
    public async Task<SaveMetrics> SaveAsync(DrainSession header, DrainResult? result, int resultIndex, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlockBlobClient(SessionBlobName(header.SessionId));
        var count = result is null ? resultIndex : resultIndex + 1;
        // The blocks are independent until the commit names them: staged at once, one round trip's wait.
        var staging = new List<Task<long>>(3) { StageAsync(blob, SessionBlocks.HeaderId, SessionBlocks.Header(header), cancellationToken) };
        if (result is not null)
        {
            staging.Add(StageAsync(blob, SessionBlocks.ResultId(resultIndex), SessionBlocks.Result(result, resultIndex), cancellationToken));
        }

        staging.Add(StageAsync(blob, SessionBlocks.FooterId, SessionBlocks.Footer(count), cancellationToken));
        var staged = (await Task.WhenAll(staging)).Sum();
        var ids = new List<string>(count + 2) { SessionBlocks.HeaderId };
        for (var i = 0; i < count; i++)
        {
            ids.Add(SessionBlocks.ResultId(i));
        }

        ids.Add(SessionBlocks.FooterId);
        await blob.CommitBlockListAsync(ids, CommitOptions(header), cancellationToken);
        return new SaveMetrics(staged, BlockListRequestBytes(ids));
    }

    /// <summary>
    /// Claims a session id for a new drain by creating its document with no results, only if no
    /// blob has that name: two drains started in the same second never share (or overwrite) one.
    /// </summary>
    public async Task<bool> TryReserveAsync(DrainSession header, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlockBlobClient(SessionBlobName(header.SessionId));
        if ((await blob.ExistsAsync(cancellationToken)).Value)
        {
            return false;
        }

        await StageAsync(blob, SessionBlocks.HeaderId, SessionBlocks.Header(header), cancellationToken);
        await StageAsync(blob, SessionBlocks.FooterId, SessionBlocks.Footer(0), cancellationToken);
        var options = CommitOptions(header);
        options.Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await blob.CommitBlockListAsync([SessionBlocks.HeaderId, SessionBlocks.FooterId], options, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes a session that was claimed but whose drain was never scheduled (the start found a
    /// drain already running after the claim): its document and, if its first save ended it, its
    /// summary. Nothing else is written for a session before its drain is scheduled.
    /// </summary>
    public async Task WithdrawAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await container.GetBlobClient(SummaryBlobName(sessionId)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        await container.GetBlobClient(SessionBlobName(sessionId)).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Ends the session: rewrites the header with <c>completed_at</c> (keeping every committed
    /// result block) and writes the summary. Returns the session as read back.
    /// </summary>
    public async Task<DrainSession> CompleteAsync(string sessionId, string completedAt, Func<DrainSession, string> renderSummary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(renderSummary);
        var session = await LoadAsync(sessionId, cancellationToken)
            ?? throw new InvalidOperationException($"session {sessionId} has no snapshot blob to complete");
        session.CompletedAt = completedAt;
        var blob = container.GetBlockBlobClient(SessionBlobName(sessionId));
        await StageAsync(blob, SessionBlocks.HeaderId, SessionBlocks.Header(session), cancellationToken);
        var committed = await blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: cancellationToken);
        var ids = committed.Value.CommittedBlocks.Select(b => b.Name).ToList();
        await blob.CommitBlockListAsync(ids, CommitOptions(session), cancellationToken);
        var summary = container.GetBlobClient(SummaryBlobName(sessionId));
        await summary.UploadAsync(BinaryData.FromString(renderSummary(session)), overwrite: true, cancellationToken);
        return session;
    }

    public async Task<string?> ReadTextAsync(string blobName, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return content.Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Reads a session back (for resume and reports); null when there is none.</summary>
    public async Task<DrainSession?> LoadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var json = await ReadTextAsync(SessionBlobName(sessionId), cancellationToken);
        return json is null ? null : SessionJson.Parse(json, SessionBlobName(sessionId));
    }

    /// <summary>Records an attempt before its executor starts; false when the marker already existed (a redelivery).</summary>
    public async Task<bool> TryMarkAttemptAsync(string sessionId, string attemptId, string description, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        try
        {
            await container.GetBlobClient(AttemptBlobName(sessionId, attemptId)).UploadAsync(
                BinaryData.FromString(description),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    public async Task RequestStopAsync(string sessionId, string attemptId, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        await container.GetBlobClient(StopBlobName(sessionId, attemptId)).UploadAsync(BinaryData.FromString("stop"), overwrite: true, cancellationToken);
    }

    public async Task<bool> IsStopRequestedAsync(string sessionId, string attemptId, CancellationToken cancellationToken = default) =>
        (await container.GetBlobClient(StopBlobName(sessionId, attemptId)).ExistsAsync(cancellationToken)).Value;

    /// <summary>
    /// A cancel asked of the drain instance <paramref name="instanceId"/>, written before its event is
    /// raised: an executor call about to start the next attempt itself checks it first (the
    /// orchestration hears of the cancel only after that call returns).
    /// </summary>
    public async Task RequestCancelAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        await EnsureContainerAsync(cancellationToken);
        await container.GetBlobClient(CancelBlobName(instanceId)).UploadAsync(BinaryData.FromString("cancel"), overwrite: true, cancellationToken);
    }

    public async Task<bool> IsCancelRequestedAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await container.GetBlobClient(CancelBlobName(instanceId)).ExistsAsync(cancellationToken)).Value;

    /// <summary>Creates the attempt marker; false when it already existed (a redelivered or retried call).</summary>
    public async Task<bool> TryCreateAttemptAsync(AttemptRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await EnsureContainerAsync(cancellationToken);
        var name = AttemptBlobName(record.SessionId, record.AttemptId);
        try
        {
            var written = await container.GetBlobClient(name).UploadAsync(
                BinaryData.FromString(record.Serialize()),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                },
                cancellationToken);
            RememberAttempt(name, record, written.Value.ETag);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>The attempt marker, or null when none was written.</summary>
    public async Task<AttemptRecord?> ReadAttemptAsync(string sessionId, string attemptId, CancellationToken cancellationToken = default) =>
        (await ReadAttemptWithETagAsync(sessionId, attemptId, cancellationToken)).Record;

    /// <summary>
    /// Changes the attempt marker: read, change, write only if nobody wrote it meanwhile (ETag),
    /// again if somebody did. <paramref name="change"/> gets null when there is no marker yet.
    /// </summary>
    public async Task<AttemptRecord> UpdateAttemptAsync(string sessionId, string attemptId, Func<AttemptRecord?, AttemptRecord> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await EnsureContainerAsync(cancellationToken);
        var blob = container.GetBlobClient(AttemptBlobName(sessionId, attemptId));
        for (var attempt = 1; ; attempt++)
        {
            // First from what this process wrote last (no read): its ETag makes the write fail if
            // anybody wrote since, and then the marker is read.
            var (current, etag) = attempt == 1 && writtenAttempts.TryGetValue(blob.Name, out var known)
                ? (known.Record, known.ETag)
                : await ReadAttemptWithETagAsync(sessionId, attemptId, cancellationToken);
            var updated = change(current);
            try
            {
                var written = await blob.UploadAsync(
                    BinaryData.FromString(updated.Serialize()),
                    new BlobUploadOptions
                    {
                        Conditions = current is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = etag },
                        HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                    },
                    cancellationToken);
                RememberAttempt(blob.Name, updated, written.Value.ETag);
                return updated;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 20)
            {
                // written meanwhile by another call of the same attempt: read it again
                writtenAttempts.TryRemove(blob.Name, out _);
            }
        }
    }

    /// <summary>
    /// The marker as this process last wrote it (the writes around the executor's run: its start, its
    /// pid, its end, the answer kept after it), so that each skips a read.
    /// </summary>
    private void RememberAttempt(string blobName, AttemptRecord record, ETag etag)
    {
        // Bounded: markers are not forgotten one by one (a call may still write its answer after the
        // end); forgetting them all costs one read each.
        if (writtenAttempts.Count >= MaxRememberedAttempts)
        {
            writtenAttempts.Clear();
        }

        writtenAttempts[blobName] = (record, etag);
    }

    private async Task<(AttemptRecord? Record, ETag ETag)> ReadAttemptWithETagAsync(string sessionId, string attemptId, CancellationToken cancellationToken)
    {
        try
        {
            var content = await container.GetBlobClient(AttemptBlobName(sessionId, attemptId)).DownloadContentAsync(cancellationToken);
            return (AttemptRecord.Parse(content.Value.Content.ToString(), sessionId, attemptId), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, default);
        }
    }

    /// <summary>A log blob's client, created by its writer when it first appends (see <see cref="Executors.LogCapture"/>).</summary>
    public AppendBlobClient LogBlob(string blobName) => container.GetAppendBlobClient(blobName);

    private static async Task<long> StageAsync(BlockBlobClient blob, string id, byte[] bytes, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        await blob.StageBlockAsync(id, stream, cancellationToken: cancellationToken);
        return bytes.Length;
    }

    /// <summary>The size of the Put Block List request body the SDK sends for these ids.</summary>
    internal static long BlockListRequestBytes(IReadOnlyList<string> ids)
    {
        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(sb, new XmlWriterSettings { OmitXmlDeclaration = false }))
        {
            writer.WriteStartElement("BlockList");
            foreach (var id in ids)
            {
                writer.WriteElementString("Latest", id);
            }

            writer.WriteEndElement();
        }

        return Encoding.UTF8.GetByteCount(sb.ToString());
    }
}
