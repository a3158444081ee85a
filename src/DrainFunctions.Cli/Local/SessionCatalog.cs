using Azure;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Cli.Local;

/// <summary>The sessions kept in blob storage: listing, loading, importing the Python tool's files.</summary>
public sealed class SessionCatalog(BlobSessionStore store)
{
    /// <summary>Session ids of this database (every database's with <paramref name="allBacklogs"/>), newest first.</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync(bool allBacklogs = false, CancellationToken cancellationToken = default) =>
        [.. (await store.ListSessionsAsync(allBacklogs, cancellationToken)).Select(s => s.SessionId)];

    /// <summary>Sessions with the backlog each drained, newest first.</summary>
    public Task<IReadOnlyList<StoredSession>> ListAsync(bool allBacklogs, CancellationToken cancellationToken = default) =>
        store.ListSessionsAsync(allBacklogs, cancellationToken);

    public Task<DrainSession?> LoadAsync(string sessionId, CancellationToken cancellationToken = default) => store.LoadAsync(sessionId, cancellationToken);

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
