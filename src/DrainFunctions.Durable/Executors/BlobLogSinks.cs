using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Executors;

/// <summary>Attempts' logs in the sessions' container (the drain's own host runs the executor).</summary>
public sealed class BlobLogSinks(BlobSessionStore blobs, ILogger<BlobLogSinks> logger) : ILogSinks
{
    public async Task PrepareAsync(string what)
    {
        // Storage is not needed to run the executor: its output waits in bounded memory meanwhile.
        try
        {
            await blobs.EnsureContainerAsync(CancellationToken.None);
        }
        catch (Exception ex) when (Outage.IsStorageUnreachable(ex))
        {
            Log.LogFlushFailed(logger, $"{what}: {Outage.Describe(ex)} (the executor runs; its output waits for storage)");
        }
    }

    public ILogSink Open(ExecutorRequest request, string blobName, string stream) => new BlobLogSink(blobs.LogBlob(blobName), () => blobs.EnsureContainerAsync());
}
