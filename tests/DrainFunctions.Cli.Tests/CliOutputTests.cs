using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// The new global behaviour of issue 12 on the real ./drain process: --output json|table,
/// DRAIN_API_KEY for --endpoint, "not found" as exit 1, and --log-level showing the local host's
/// structured logs; real Azurite, a real SQLite file.
/// </summary>
public sealed class CliOutputTests : IDisposable
{
    private const string GoldenSessionId = "batch-drain-20251201-101500";

    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-output-");
    private readonly Dictionary<string, string> environment;

    public CliOutputTests()
    {
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "out" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "out-" + Guid.NewGuid().ToString("N")[..12],
            ["DRAIN_API_KEY"] = string.Empty,
        };
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        using var process = DrainProcess.Start(env ?? environment, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var stderr = string.Join('\n', process.Stderr.Split('\n').Where(l => !l.StartsWith("drain: building the command line", StringComparison.Ordinal))).Trim();
        return (code, process.Stdout, stderr);
    }

    private async Task SeedDemoBacklogAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"]));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    private async Task ImportGoldenAsync()
    {
        var copy = Path.Combine(folder.FullName, GoldenSessionId + ".json");
        File.Copy(Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", "python-v1-session.json"), copy);
        var (code, _, stderr) = await RunAsync(null, "sessions", "import", copy);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task SessionsList_OutputJson_TheDocumentedShape()
    {
        await ImportGoldenAsync();

        var (code, stdout, _) = await RunAsync(null, "sessions", "list", "--output", "json");

        Assert.Equal(0, code);
        var item = Assert.Single(JsonDocument.Parse(stdout).RootElement.EnumerateArray());
        Assert.Equal(
            ["sessionId", "complete", "processed", "batchSize", "succeeded", "failed", "timeouts", "telemetryEvents", "database"],
            item.EnumerateObject().Select(p => p.Name));
        Assert.Equal(GoldenSessionId, item.GetProperty("sessionId").GetString());
        Assert.Equal((false, 2, 5, 1, 1), (item.GetProperty("complete").GetBoolean(), item.GetProperty("processed").GetInt32(), item.GetProperty("batchSize").GetInt32(), item.GetProperty("succeeded").GetInt32(), item.GetProperty("failed").GetInt32()));
        Assert.StartsWith("sqlite:////", item.GetProperty("database").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionsList_SessionStoredBeforeTotalsWereTagged_ReadFromItsDocument()
    {
        await ImportGoldenAsync();
        var (_, tagged, _) = await RunAsync(null, "sessions", "list", "--output", "json");

        // What a session stored by an earlier version looks like: its blob without the totals tag.
        var blob = new Azure.Storage.Blobs.BlobServiceClient(environment["AzureWebJobsStorage"])
            .GetBlobContainerClient(environment["Snapshots__ContainerName"]).GetBlobClient(GoldenSessionId + ".json");
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        Assert.Equal("v1;0;2;5;1;1;0;0", metadata["totals"]);
        metadata.Remove("totals");
        await blob.SetMetadataAsync(metadata);

        var (code, untagged, _) = await RunAsync(null, "sessions", "list", "--output", "json");

        Assert.Equal(0, code);
        Assert.Equal(tagged, untagged);
    }

    [Fact]
    public async Task SessionsShow_OutputTable_TotalsThenOneLinePerPhase()
    {
        await ImportGoldenAsync();

        var (code, stdout, _) = await RunAsync(null, "sessions", "show", GoldenSessionId, "--output=table");
        var (jsonCode, json, _) = await RunAsync(null, "sessions", "show", GoldenSessionId);

        Assert.Equal((0, 0), (code, jsonCode));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Session:   {GoldenSessionId} (incomplete)", lines[0]);
        Assert.StartsWith("Totals:    2/5 processed, 1 ok, 1 failed, ", lines[3], StringComparison.Ordinal);
        Assert.Equal(2, lines.Count(l => l.StartsWith("  ", StringComparison.Ordinal)));
        Assert.Equal(GoldenSessionId, JsonDocument.Parse(json).RootElement.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task SessionsShow_SessionNotStored_Exits1NotFound()
    {
        var (code, stdout, stderr) = await RunAsync(null, "sessions", "show", "batch-drain-20990101-000000");

        Assert.Equal(1, code);
        Assert.Equal("drain: no stored session batch-drain-20990101-000000 (drain sessions list shows the stored ones)", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task LedgerShow_OutputTableAndDefaultJson_Exit0()
    {
        var (tableCode, table, _) = await RunAsync(null, "ledger", "show", "--output", "table", "--ledger-window-hours", "24");
        var (jsonCode, json, _) = await RunAsync(null, "ledger", "show");

        Assert.Equal((0, 0), (tableCode, jsonCode));
        Assert.StartsWith("  window: 24h before ", table, StringComparison.Ordinal);
        Assert.Equal(72, JsonDocument.Parse(json).RootElement.GetProperty("windowHours").GetInt32());
    }

    [Fact]
    public async Task Endpoint_WithoutKey_SendsDrainApiKey()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var request = AnswerOnceAsync(listener, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
        var env = new Dictionary<string, string>(environment) { ["DRAIN_API_KEY"] = "k3y-from-env" };

        var (code, _, stderr) = await RunAsync(env, "--endpoint", $"http://127.0.0.1:{port}", "--batch-size", "2");

        Assert.Equal(1, code);
        Assert.Contains("x-functions-key: k3y-from-env", await request, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("answered 500", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_NeitherKeyNorDrainApiKey_Exits2()
    {
        var (code, _, stderr) = await RunAsync(null, "--endpoint", "http://127.0.0.1:9", "--batch-size", "2");

        Assert.Equal(2, code);
        Assert.Equal("drain: error: argument --key: --endpoint and --key go together", stderr);
    }

    [Fact]
    public async Task Drain_TaskHubNameInvalid_Exits2NamingTheSettingAndChangesNothing()
    {
        await SeedDemoBacklogAsync();

        var env = new Dictionary<string, string>(environment) { ["DURABLE_TASK_HUB_NAME"] = "my-hub" };
        var (code, _, stderr) = await RunAsync(env, "--batch-size", "1");

        Assert.Equal(2, code);
        Assert.EndsWith("drain: error: DURABLE_TASK_HUB_NAME 'my-hub' is invalid: use 3 to 45 letters and digits, starting with a letter.", stderr, StringComparison.Ordinal);
        var container = new Azure.Storage.Blobs.BlobServiceClient(environment["AzureWebJobsStorage"]).GetBlobContainerClient(environment["Snapshots__ContainerName"]);
        Assert.False((await container.ExistsAsync()).Value);
    }

    [Fact]
    public async Task LogLevel_Information_ShowsTheLocalHostsLogsOnStderr()
    {
        await SeedDemoBacklogAsync();

        var env = new Dictionary<string, string>(environment) { ["NO_COLOR"] = "1" };
        var (quietCode, _, quiet) = await RunAsync(env, "--dry-run", "--batch-size", "1");
        var (code, stdout, stderr) = await RunAsync(env, "--dry-run", "--batch-size", "1", "--log-level", "information");

        Assert.Equal((0, 0), (quietCode, code));
        Assert.DoesNotContain("info: ", quiet, StringComparison.Ordinal);
        Assert.Contains("info: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', stderr);
        Assert.Contains("[DRY RUN] Would drain:", stdout, StringComparison.Ordinal);
    }

    private static async Task<string> AnswerOnceAsync(TcpListener listener, string response)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[16384];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        return text.ToString();
    }

    public void Dispose() => folder.Delete(recursive: true);
}
