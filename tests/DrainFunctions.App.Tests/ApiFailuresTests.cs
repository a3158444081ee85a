using System.Text.Json;
using Azure.Storage.Blobs;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Options;

namespace DrainFunctions.App.Tests;

/// <summary>
/// Issue 20 item 12: failures outside the handlers' answers become problem+json, from real
/// failures: a corrupt session blob in Azurite, and storage that does not answer (a closed port).
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class ApiFailuresTests
{
    private static async Task<ApiResult> FailureOfAsync(Func<Task<ApiResult>> request)
    {
        try
        {
            var answered = await request();
            throw new Xunit.Sdk.XunitException($"expected a failure, got {answered.Status}: {answered.Body}");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            return ApiFailures.ToResult(ex);
        }
    }

    [Fact]
    public async Task ToResult_CorruptSessionBlob_Problem500SayingADocumentIsUnreadable()
    {
        await using var bed = await AppBed.StartAsync();
        const string sessionId = "batch-drain-20250101-000000";
        await bed.Sessions.EnsureContainerAsync();
        await bed.Sessions.Container.GetBlobClient(BlobSessionStore.SessionBlobName(sessionId)).UploadAsync(BinaryData.FromString("{\"session_id\": \"batch-drain-2025"), overwrite: true);

        var r = await FailureOfAsync(() => bed.Api.GetAsync(sessionId));

        Assert.Equal(500, r.Status);
        Assert.StartsWith("application/problem+json", r.ContentType, StringComparison.Ordinal);
        var body = JsonDocument.Parse(r.Body).RootElement;
        Assert.Equal(500, body.GetProperty("status").GetInt32());
        Assert.StartsWith("a stored document could not be read", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToResult_StorageNotAnswering_Problem503WithRetryAfter()
    {
        await using var bed = await AppBed.StartAsync();
        var closed = new BlobServiceClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });
        var options = Options.Create(new SnapshotOptions { ContainerName = bed.ContainerName, Backlog = bed.Backlog });
        var api = new DrainApi(new DrainService(bed.Client, new BlobSessionStore(closed, options), new DrainLockStore(closed, options)), bed.Ledger, bed.Defaults);

        var r = await FailureOfAsync(() => api.GetAsync("batch-drain-20250101-000000"));

        Assert.Equal(503, r.Status);
        Assert.StartsWith("application/problem+json", r.ContentType, StringComparison.Ordinal);
        Assert.Equal("10", r.Headers["Retry-After"]);
        Assert.StartsWith("storage did not answer", JsonDocument.Parse(r.Body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", r.Body, StringComparison.Ordinal);
    }
}
