using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using DrainFunctions.Cli.Commands;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Issue 20 items 12 and 13 for <c>drain serve</c>: the routes it maps are the OpenAPI document's,
/// which it serves; and a request whose storage or durable backend does not answer (real closed
/// ports, real Kestrel) gets problem+json, not a bare 500.
/// </summary>
public sealed class ServeApiTests
{
    private const string ClosedStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    private static string Azurite =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } cs ? cs : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");

    /// <summary>The API over <paramref name="storage"/> and a durable backend at a closed gRPC port.</summary>
    private static DrainApi ApiOver(string storage)
    {
        var blobs = new BlobServiceClient(storage, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });
        var options = Options.Create(new SnapshotOptions { ContainerName = "serve-api-" + Guid.NewGuid().ToString("N")[..12], Backlog = "sqlite:////tmp/serve-api-tests.db" });
        var client = new GrpcDurableTaskClient("closed", new GrpcDurableTaskClientOptions { Address = "http://127.0.0.1:9" }, NullLogger.Instance);
        return new DrainApi(new DrainService(client, new BlobSessionStore(blobs, options), new DrainLockStore(blobs, options)), new BlobLedgerStore(blobs, options), new DrainOptions());
    }

    /// <summary>The agents' handlers over <paramref name="storage"/> (their routes only are looked at).</summary>
    private static AgentApi AgentsOver(string storage)
    {
        var blobs = new BlobServiceClient(storage, new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(5) } });
        var snapshots = Options.Create(new SnapshotOptions { ConnectionString = storage, ContainerName = "serve-api-" + Guid.NewGuid().ToString("N")[..12], Backlog = "sqlite:////tmp/serve-api-tests.db", MaxRetries = 0 });
        var agents = Options.Create(new AgentOptions());
        var sessions = new BlobSessionStore(blobs, snapshots);
        var executor = Options.Create(new ExecutorOptions());
        var settler = new Durable.Activities.AttemptSettler(sessions, new Durable.Executors.AttemptProcesses(executor, NullLogger<Durable.Executors.AttemptProcesses>.Instance), executor, NullLogger<Durable.Activities.AttemptSettler>.Instance);
        var broker = new AgentBroker(sessions, new DelegateBacklogStoreFactory(_ => throw new InvalidOperationException("no database in this test")), new AgentWorkLine(snapshots, agents), new AgentDirectory(sessions), new AgentWorkSignal(), settler, executor, agents, TimeProvider.System, NullLogger<AgentBroker>.Instance);
        var client = new GrpcDurableTaskClient("closed", new GrpcDurableTaskClientOptions { Address = "http://127.0.0.1:9" }, NullLogger.Instance);
        return new AgentApi(broker, client);
    }

    private static async Task<(WebApplication App, Uri Base)> ServeAsync(DrainApi api, TextWriter stderr)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        ServeCommand.UseProblemAnswers(app, stderr);
        ServeCommand.MapRoutes(app, api);
        ServeCommand.MapAgentRoutes(app, AgentsOver(ClosedStorage));
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()));
    }

    [Fact]
    public async Task MapRoutes_EveryRoute_InTheOpenApiDocumentServedAtBothPaths()
    {
        var (app, root) = await ServeAsync(ApiOver(ClosedStorage), TextWriter.Null);
        await using var _ = app;
        var paths = JsonNode.Parse(ApiDocument.Json)!["paths"]!.AsObject();
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: e.RoutePattern.RawText!, Method: m.ToLowerInvariant())))
            .Where(r => r.Path != "/openapi/v1.json").ToList();

        Assert.Equal(paths.Sum(p => p.Value!.AsObject().Count), routes.Count);
        Assert.All(routes, r => Assert.True(paths[r.Path]?.AsObject().ContainsKey(r.Method) == true, $"{r.Method} {r.Path} is not in openapi.json"));
        using var http = new HttpClient { BaseAddress = root };
        Assert.Equal(ApiDocument.Json, await http.GetStringAsync("/openapi/v1.json"));
        Assert.Equal(ApiDocument.Json, await http.GetStringAsync("/api/openapi.json"));
    }

    [Fact]
    public async Task Get_StorageNotAnswering_Problem503WithRetryAfter()
    {
        var stderr = new StringWriter();
        var (app, root) = await ServeAsync(ApiOver(ClosedStorage), stderr);
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = root };

        using var response = await http.GetAsync("/api/drains/batch-drain-20250101-000000");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, body.GetProperty("status").GetInt32());
        Assert.StartsWith("storage did not answer", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("GET /api/drains/batch-drain-20250101-000000 failed", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_DurableBackendNotAnswering_Problem503NamingIt()
    {
        var (app, root) = await ServeAsync(ApiOver(Azurite), TextWriter.Null);
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = root };

        using var response = await http.GetAsync("/api/drains/batch-drain-20250101-000000");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.StartsWith("the durable task backend answered Unavailable (RpcException", detail, StringComparison.Ordinal);
    }
}
