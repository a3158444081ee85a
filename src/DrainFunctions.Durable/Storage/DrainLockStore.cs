using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Ports;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Storage;

/// <summary>Who holds a database's drain lock, until when.</summary>
/// <param name="Token">A random token of the drain that took it; renewals and the release must show it.</param>
/// <param name="Pid">The process that last wrote the lock (took or renewed it) on <paramref name="Host"/>.</param>
public sealed record DrainLockHolder(string Token, string? SessionId, string? InstanceId, string Host, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt, int? Pid = null)
{
    public string Describe(string backlog) => SessionId is null
        ? $"another drain holds database {backlog} (since {AcquiredAt:u}, until {ExpiresAt:u} unless renewed)"
        : $"drain {SessionId} holds database {backlog} (host {Host}, since {AcquiredAt:u}; until {ExpiresAt:u} unless renewed)";
}

/// <summary>The answer to a take or a renewal: held by the caller, or by <see cref="Holder"/>.</summary>
public sealed record DrainLockOutcome(bool Held, DrainLockHolder? Holder);

/// <summary>
/// One drain per database, across processes, task hubs and machines: a lock blob
/// <c>locks/&lt;backlog key&gt;.json</c> beside the sessions, changed only with ETag conditions.
/// The drain's orchestration renews it while it lives and releases it at its end; a holder that
/// died stops renewing, and once its expiry passes the next drain takes the lock over. Dry runs
/// never take it.
/// </summary>
public sealed class DrainLockStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly BlobContainerClient container;
    private readonly BacklogIdentity backlog;
    private readonly TimeProvider clock;

    public DrainLockStore(BlobServiceClient service, IOptions<SnapshotOptions> options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        container = service.GetBlobContainerClient(options.Value.ContainerName);
        backlog = options.Value.BacklogScope() ?? throw new ArgumentException("the drain lock needs Snapshots.Backlog (the database it locks)", nameof(options));
        this.clock = clock ?? TimeProvider.System;
    }

    public BacklogIdentity Backlog => backlog;

    public Uri ContainerUri => container.Uri;

    public string BlobName => $"locks/{backlog.Key}.json";

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>A fresh token for a drain about to take the lock.</summary>
    public static string NewToken() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// Takes the lock when it is free, its holder's hold ran out (or the holder died on this
    /// machine), or it is already this token's; otherwise says who holds it.
    /// </summary>
    public async Task<DrainLockOutcome> TryAcquireAsync(string token, string? sessionId, string? instanceId, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        return await TakeAsync(token, sessionId, instanceId, ttl, cancellationToken);
    }

    /// <summary>
    /// Moves the expiry on (and records the session/instance once known), taking the lock back
    /// when nobody took it over; fails, naming the holder, when another drain did.
    /// </summary>
    public Task<DrainLockOutcome> RenewAsync(string token, string? sessionId, string? instanceId, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        TakeAsync(token, sessionId, instanceId, ttl, cancellationToken);

    private async Task<DrainLockOutcome> TakeAsync(string token, string? sessionId, string? instanceId, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var (current, etag) = await ReadWithETagAsync(cancellationToken);
            var now = Now;
            if (current is not null && current.Token != token && IsLive(current, now))
            {
                return new DrainLockOutcome(false, current);
            }

            var mine = Mine(token, sessionId, instanceId, current, now, ttl);
            if (await TryWriteAsync(mine, etag, cancellationToken))
            {
                return new DrainLockOutcome(true, mine);
            }
        }

        return new DrainLockOutcome(false, (await ReadWithETagAsync(cancellationToken)).Holder);
    }

    /// <summary>Lets the lock go if this token holds it; true when it did (or nobody held it).</summary>
    public async Task<bool> ReleaseAsync(string token, CancellationToken cancellationToken = default)
    {
        var (current, etag) = await ReadWithETagAsync(cancellationToken);
        if (current is null)
        {
            return true;
        }

        if (current.Token != token || etag is null)
        {
            return false;
        }

        try
        {
            await container.GetBlobClient(BlobName).DeleteAsync(conditions: new BlobRequestConditions { IfMatch = etag }, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404;
        }
    }

    /// <summary>
    /// Whether a holder still counts: its hold has not run out, and it is not a process of this
    /// machine that is gone (a drain killed here need not be waited out).
    /// </summary>
    private static bool IsLive(DrainLockHolder holder, DateTimeOffset now)
    {
        if (holder.ExpiresAt <= now)
        {
            return false;
        }

        if (holder.Pid is not { } pid || !string.Equals(holder.Host, Environment.MachineName, StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static DrainLockHolder Mine(string token, string? sessionId, string? instanceId, DrainLockHolder? current, DateTimeOffset now, TimeSpan ttl) =>
        new(token, sessionId ?? (current?.Token == token ? current.SessionId : null), instanceId ?? (current?.Token == token ? current.InstanceId : null),
            Environment.MachineName, current?.Token == token ? current.AcquiredAt : now, now + ttl, Environment.ProcessId);

    /// <summary>The holder, if any (expired or not).</summary>
    public async Task<DrainLockHolder?> ReadAsync(CancellationToken cancellationToken = default) => (await ReadWithETagAsync(cancellationToken)).Holder;

    private async Task<(DrainLockHolder? Holder, ETag? ETag)> ReadWithETagAsync(CancellationToken cancellationToken)
    {
        try
        {
            var content = await container.GetBlobClient(BlobName).DownloadContentAsync(cancellationToken);
            return (content.Value.Content.ToObjectFromJson<DrainLockHolder>(Json), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
        catch (JsonException)
        {
            // An unreadable lock blob holds nothing; it is overwritten under its ETag.
            var properties = await container.GetBlobClient(BlobName).GetPropertiesAsync(cancellationToken: cancellationToken);
            return (null, properties.Value.ETag);
        }
    }

    private async Task<bool> TryWriteAsync(DrainLockHolder holder, ETag? etag, CancellationToken cancellationToken)
    {
        var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await container.GetBlobClient(BlobName).UploadAsync(BinaryData.FromObjectAsJson(holder, Json), new BlobUploadOptions
            {
                Conditions = conditions,
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
                Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [BlobSessionStore.BacklogMetadata] = Uri.EscapeDataString(backlog.Canonical) },
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
