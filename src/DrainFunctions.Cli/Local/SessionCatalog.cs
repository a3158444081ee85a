using Azure;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Cli.Local;

/// <summary>The sessions kept in blob storage: listing, loading, importing the Python tool's files.</summary>
public sealed class SessionCatalog(BlobSessionStore store)
{
    /// <summary>Session ids, newest first (ids sort by their UTC start time).</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken = default)
    {
        await store.EnsureContainerAsync(cancellationToken);
        var ids = new List<string>();
        await foreach (var blob in store.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = SessionIds.Prefix }, cancellationToken))
        {
            if (blob.Name.EndsWith(".json", StringComparison.Ordinal) && SessionIds.IsValid(blob.Name[..^".json".Length]))
            {
                ids.Add(blob.Name[..^".json".Length]);
            }
        }

        return [.. ids.OrderDescending(StringComparer.Ordinal)];
    }

    public Task<DrainSession?> LoadAsync(string sessionId, CancellationToken cancellationToken = default) => store.LoadAsync(sessionId, cancellationToken);

    /// <summary>The newest session without <c>completed_at</c>, or null.</summary>
    public async Task<DrainSession?> NewestIncompleteAsync(CancellationToken cancellationToken = default)
    {
        foreach (var id in await ListIdsAsync(cancellationToken))
        {
            if (await LoadAsync(id, cancellationToken) is { IsComplete: false } session)
            {
                return session;
            }
        }

        return null;
    }

    /// <summary>
    /// Attempts per phase made by the stored sessions started within <paramref name="window"/>
    /// (other than <paramref name="exceptSessionId"/>), so that <c>max_attempts_per_phase</c>
    /// counts attempts across sessions.
    /// </summary>
    public async Task<Dictionary<string, int>> PriorAttemptsAsync(DateTimeOffset now, TimeSpan window, string? exceptSessionId, CancellationToken cancellationToken = default)
    {
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in await ListIdsAsync(cancellationToken))
        {
            if (id == exceptSessionId || await LoadAsync(id, cancellationToken) is not { } session)
            {
                continue;
            }

            if (Iso8601.TryParse(session.StartedAt, out var started) && now - started > window)
            {
                continue;
            }

            foreach (var result in session.Results.Where(r => r.InterruptedBy is null))
            {
                attempts[result.Key] = attempts.GetValueOrDefault(result.Key) + 1;
            }
        }

        return attempts;
    }

    /// <summary>Stores a session read from a file; refuses to overwrite one already stored.</summary>
    public async Task ImportAsync(DrainSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await store.EnsureContainerAsync(cancellationToken);
        if ((await store.Container.GetBlobClient(BlobSessionStore.SessionBlobName(session.SessionId)).ExistsAsync(cancellationToken)).Value)
        {
            throw new UsageException($"session {session.SessionId} is already stored; nothing was imported for it");
        }

        try
        {
            await store.SaveAsync(session, null, 0, cancellationToken);
            for (var i = 0; i < session.Results.Count; i++)
            {
                await store.SaveAsync(session, session.Results[i], i, cancellationToken);
            }
        }
        catch (RequestFailedException ex)
        {
            throw new InvalidOperationException($"could not store session {session.SessionId}: {ex.Message}", ex);
        }
    }
}
