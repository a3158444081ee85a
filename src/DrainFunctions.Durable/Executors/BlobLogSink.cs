using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using DrainFunctions.Durable.Hosting;

namespace DrainFunctions.Durable.Executors;

/// <summary>A log in an append blob, each append conditional on its position.</summary>
public sealed class BlobLogSink(AppendBlobClient blob, Func<Task> ensureContainer) : ILogSink
{
    public string Name => blob.Name;

    public Task<(LogStoreResult Result, string? Why)> CreateAsync() => GuardAsync(async () =>
    {
        await blob.CreateAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain; charset=utf-8" } });
        return (LogStoreResult.Stored, null);
    });

    public Task<(LogStoreResult Result, string? Why)> AppendAsync(MemoryStream batch, long offset) => GuardAsync(async () =>
    {
        ArgumentNullException.ThrowIfNull(batch);
        try
        {
            await blob.AppendBlockAsync(batch, new AppendBlobAppendBlockOptions
            {
                Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = offset },
            });
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == "AppendPositionConditionNotMet")
        {
            // An append whose answer was lost (a retry of it lands here): it is stored if the blob grew by it.
            var length = (await blob.GetPropertiesAsync()).Value.ContentLength;
            if (length != offset + batch.Length)
            {
                throw;
            }
        }

        return (LogStoreResult.Stored, null);
    });

    private async Task<(LogStoreResult Result, string? Why)> GuardAsync(Func<Task<(LogStoreResult, string?)>> store)
    {
        try
        {
            return await store();
        }
        catch (Exception ex) when (Outage.IsStorageUnreachable(ex))
        {
            return (LogStoreResult.Unreachable, Outage.Describe(ex));
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == "ContainerNotFound")
        {
            // The container was not there yet (storage was unreachable when the attempt began).
            try
            {
                await ensureContainer();
            }
            catch (Exception inner) when (Outage.IsStorageUnreachable(inner))
            {
            }

            return (LogStoreResult.Unreachable, null);
        }
        catch (RequestFailedException ex)
        {
            // Refused for good (not an outage): the logs are not worth failing the attempt for.
            return (LogStoreResult.Refused, ex.Message);
        }
    }
}
