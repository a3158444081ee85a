using System.Diagnostics;
using System.Text.Json;
using DrainFunctions.Data;
using Microsoft.Data.Sqlite;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// The real command line on the real stack: the local durable host (Azure Storage backend) over
/// the Azurite of ./scripts/test.sh, a SQLite demo backlog, and the demo executor as a process.
/// </summary>
public sealed class DrainEndToEndTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-e2e-");
    private readonly string databasePath;
    private readonly Dictionary<string, string> environment;

    public DrainEndToEndTests()
    {
        databasePath = Path.Combine(folder.FullName, "autopack.db");
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + databasePath,
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "e2e" + Guid.NewGuid().ToString("N")[..12],

            // Sessions and the ledger of each test apart: the demo backlog's run ids are the same in every test.
            ["Snapshots__ContainerName"] = "e2e-" + Guid.NewGuid().ToString("N")[..12],
        };
    }

    private static string DemoExecutor => Path.Combine(CliRunner.RepoRoot(), "src", "DrainFunctions.DemoExecutor", "bin", "Release", "net10.0", "DrainFunctions.DemoExecutor.dll");

    private async Task SeedAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"]));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    private string StartsLog => Path.Combine(folder.FullName, "starts.log");

    /// <summary>An executor that logs every start, then plays Autopack's executor.</summary>
    private string ExecutorTemplate(double timeScale)
    {
        var wrapper = Path.Combine(folder.FullName, "executor.sh");
        File.WriteAllText(wrapper, $"""
            #!/usr/bin/env bash
            echo "$1:$2 $$" >> '{StartsLog}'
            exec dotnet '{DemoExecutor}' --run-id "$1" --phase-id "$2" --time-scale {timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}
            """);
        return $"bash '{wrapper}' {{run_id}} {{phase_id}}";
    }

    private List<(string Key, string State)> Phases()
    {
        using var connection = new SqliteConnection($"Data Source={databasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id || ':' || phase_id, state FROM phases";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout).RootElement;

    /// <summary>
    /// A new demo backlog starts with a clean ledger: what an earlier demo recorded (same run ids)
    /// is forgot in the demo backlog's own ledger scope, not in the unscoped one (it was, and a second
    /// demo within 72 h skipped runs "(ledger)").
    /// </summary>
    [Fact]
    public async Task Demo_SecondDemo_ForgetsWhatTheFirstRecordedInTheLedger()
    {
        var demo = new Dictionary<string, string>(environment);
        demo.Remove("DATABASE_URL");
        using (var first = DrainProcess.Start(demo, "demo", "--batch-size", "2"))
        {
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromMinutes(4)));
        }

        var demoDatabase = new Dictionary<string, string>(demo) { ["DATABASE_URL"] = "sqlite:///" + Path.Combine(CliRunner.RepoRoot(), ".workspace", "demo", "autopack-demo.db") };
        Assert.Equal(2, await LedgerPhasesAsync(demoDatabase));

        using (var second = DrainProcess.Start(demo, "demo", "--batch-size", "2", "--dry-run"))
        {
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromMinutes(4)));
        }

        Assert.Equal(0, await LedgerPhasesAsync(demoDatabase));
    }

    private static async Task<int> LedgerPhasesAsync(Dictionary<string, string> env)
    {
        using var show = DrainProcess.Start(env, "ledger", "show");
        Assert.Equal(0, await show.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        var json = show.Stdout[show.Stdout.IndexOf('{', StringComparison.Ordinal)..];
        return JsonDocument.Parse(json).RootElement.GetProperty("phases").GetArrayLength();
    }

    [Fact]
    public async Task Drain_DemoBacklog_PrintsSeedLinesSavesSessionAndRestoresNothingQueued()
    {
        await SeedAsync();
        var inFlightBefore = Phases().Where(p => p.State is "QUEUED" or "EXECUTING").Select(p => p.Key).ToHashSet();

        using var drain = DrainProcess.Start(environment, "--batch-size", "4", "--phase-timeout-seconds", "20", "--executor-command", ExecutorTemplate(0.05), "--json");
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(code is 0 or 1, drain.Stderr);
        var session = LastJson(drain.Stdout);
        Assert.Equal(4, session.GetProperty("total_processed").GetInt32());
        Assert.Equal(code == 0, session.GetProperty("total_failed").GetInt32() == 0);
        Assert.NotEqual(JsonValueKind.Null, session.GetProperty("completed_at").ValueKind);
        Assert.Contains("\n\nBatch Drain Controller\nSession ID: batch-drain-", drain.Stderr.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\n[1/4] Selecting next phase...\n", drain.Stderr.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  Draining: ", drain.Stderr, StringComparison.Ordinal);
        Assert.Contains("Total Processed: 4", drain.Stderr, StringComparison.Ordinal);
        Assert.Contains("Database: sqlite:///", drain.Stderr, StringComparison.Ordinal);
        var drained = session.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("run_id").GetString()}:{r.GetProperty("phase_id").GetString()}").ToList();
        Assert.Equal(4, drained.Distinct().Count());
        Assert.DoesNotContain(Phases(), p => drained.Contains(p.Key) && p.State is "QUEUED" or "EXECUTING");
        Assert.Equal(inFlightBefore, Phases().Where(p => p.State is "QUEUED" or "EXECUTING").Select(p => p.Key).ToHashSet());

        var id = session.GetProperty("session_id").GetString()!;
        using var list = DrainProcess.Start(environment, "sessions", "list");
        Assert.Equal(0, await list.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains($"{id}  complete", list.Stdout, StringComparison.Ordinal);
        using var report = DrainProcess.Start(environment, "report", id);
        Assert.Equal(0, await report.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains($"Session ID: {id}", report.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_DryRun_ChangesNothingAndListsPicks()
    {
        await SeedAsync();
        var before = Phases();

        using var drain = DrainProcess.Start(environment, "--dry-run", "--batch-size", "5");
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(0, code);
        Assert.Equal(5, drain.Stdout.Split('\n').Count(l => l.StartsWith("  [DRY RUN] Would drain: ", StringComparison.Ordinal)));
        Assert.Equal(before, Phases());
        Assert.False(File.Exists(StartsLog));
    }

    [Fact]
    public async Task Drain_DryRun_StartsNoDurableHostAndLeavesNoTaskHub()
    {
        await SeedAsync();
        var hub = environment["DURABLE_TASK_HUB_NAME"].ToLowerInvariant();

        using var drain = DrainProcess.Start(environment, "--dry-run", "--batch-size", "3", "--json");
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(code == 0, drain.Stderr);
        Assert.Equal(3, JsonDocument.Parse(drain.Stdout).RootElement.GetProperty("picks").GetArrayLength());
        var service = new Azure.Storage.Blobs.BlobServiceClient(environment["AzureWebJobsStorage"]);
        var containers = new List<string>();
        await foreach (var container in service.GetBlobContainersAsync(prefix: hub))
        {
            containers.Add(container.Name);
        }

        Assert.Empty(containers);
    }

    [Fact]
    public async Task Drain_DryRunWithoutLedger_NeedsNoStorage()
    {
        await SeedAsync();
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var unreachable = new Dictionary<string, string>(environment)
        {
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1",
        };

        using var drain = DrainProcess.Start(unreachable, "--dry-run", "--batch-size", "2", "--no-ledger");
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(code == 0, drain.Stderr);
        Assert.Equal(2, drain.Stdout.Split('\n').Count(l => l.StartsWith("  [DRY RUN] Would drain: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("Azurite", drain.Stderr + drain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_WithoutDatabaseUrl_Exits1WithEveryForm()
    {
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = string.Empty };

        using var drain = DrainProcess.Start(env, "--batch-size", "1");

        Assert.Equal(1, await drain.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("postgresql://", drain.Stderr, StringComparison.Ordinal);
        Assert.Contains("sqlite:///", drain.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_EmptyDatabase_RefusedUnlessAllowed()
    {
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"])))
        {
            await admin.InitSchemaAsync();
        }

        using var refused = DrainProcess.Start(environment);
        Assert.Equal(1, await refused.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("--allow-empty-db", refused.Stderr, StringComparison.Ordinal);

        using var allowed = DrainProcess.Start(environment, "--allow-empty-db", "--batch-size", "2");
        Assert.Equal(0, await allowed.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        Assert.Contains("  No more failed phases to process", allowed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_CtrlC_StopsAfterCurrentPhaseSavesProgressExits130()
    {
        await SeedAsync();
        using var drain = DrainProcess.Start(environment, "--batch-size", "10", "--phase-timeout-seconds", "30", "--executor-command", ExecutorTemplate(0.3));
        drain.WaitForLine(l => l.StartsWith("  Draining: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        using (var kill = Process.Start("kill", ["-INT", drain.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(code == 130, $"exit {code}\n{drain.Stdout}\n{drain.Stderr}");
        Assert.Contains("Progress saved. Resume with: --resume", drain.Stdout, StringComparison.Ordinal);
        Assert.Contains("Total Processed: 1", drain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_AfterHostKilledMidPhase_CompletesWithEveryPhaseOnceAndNothingLeftQueued()
    {
        await SeedAsync();
        var inFlightBefore = Phases().Where(p => p.State is "QUEUED" or "EXECUTING").Select(p => p.Key).ToHashSet();
        using (var first = DrainProcess.Start(environment, "--batch-size", "4", "--phase-timeout-seconds", "15", "--executor-command", ExecutorTemplate(0.4)))
        {
            first.WaitForLine(l => l.StartsWith("[2/4] Selecting", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            first.WaitForLine(l => l.StartsWith("  Draining: ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var clock = Stopwatch.StartNew();
        using var resumed = DrainProcess.Start(environment, "--resume", "--batch-size", "4", "--phase-timeout-seconds", "15", "--executor-command", ExecutorTemplate(0.4), "--json");
        var code = await resumed.WaitForExitAsync(TimeSpan.FromMinutes(5));
        clock.Stop();

        Assert.True(code is 0 or 1, resumed.Stderr);
        Assert.Contains("Re-attaching to the running drain", resumed.Stderr, StringComparison.Ordinal);
        var session = LastJson(resumed.Stdout);
        Assert.NotEqual(JsonValueKind.Null, session.GetProperty("completed_at").ValueKind);
        var keys = session.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("run_id").GetString()}:{r.GetProperty("phase_id").GetString()}").ToList();
        Assert.Equal(4, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var starts = File.ReadAllLines(StartsLog).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(starts.Count, starts.Distinct().Count());
        Assert.DoesNotContain(Phases(), p => keys.Contains(p.Key) && p.State is "QUEUED" or "EXECUTING" && !inFlightBefore.Contains(p.Key));
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "drain-resume-times.log"), $"{DateTime.UtcNow:O} resume-to-complete {clock.Elapsed.TotalSeconds:F1}s\n");
    }

    [Fact]
    public async Task Resume_AfterHostKilledWithThreePhasesInFlight_EveryPhaseOnceAndNothingLeftQueued()
    {
        await SeedAsync();
        var inFlightBefore = Phases().Where(p => p.State is "QUEUED" or "EXECUTING").Select(p => p.Key).ToHashSet();
        string[] flags = ["--parallel", "3", "--batch-size", "6", "--phase-timeout-seconds", "20", "--executor-command", ExecutorTemplate(0.4)];
        using (var first = DrainProcess.Start(environment, flags))
        {
            var clock = Stopwatch.StartNew();
            while ((!File.Exists(StartsLog) || File.ReadAllLines(StartsLog).Length < 3) && clock.Elapsed < TimeSpan.FromMinutes(2) && !first.HasExited)
            {
                await Task.Delay(100);
            }

            Assert.True(File.Exists(StartsLog) && File.ReadAllLines(StartsLog).Length >= 3, first.Stdout + first.Stderr);
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using var resumed = DrainProcess.Start(environment, ["--resume", .. flags, "--json"]);
        var code = await resumed.WaitForExitAsync(TimeSpan.FromMinutes(5));

        Assert.True(code is 0 or 1, resumed.Stderr);
        Assert.Contains("Re-attaching to the running drain", resumed.Stderr, StringComparison.Ordinal);
        var session = LastJson(resumed.Stdout);
        Assert.NotEqual(JsonValueKind.Null, session.GetProperty("completed_at").ValueKind);
        var results = session.GetProperty("results").EnumerateArray().ToList();
        var keys = results.Select(r => $"{r.GetProperty("run_id").GetString()}:{r.GetProperty("phase_id").GetString()}").ToList();
        Assert.Equal(6, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(results, r => Assert.InRange(r.GetProperty("slot").GetInt32(), 1, 3));
        var starts = File.ReadAllLines(StartsLog).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(starts.Count, starts.Distinct().Count());
        Assert.DoesNotContain(Phases(), p => keys.Contains(p.Key) && p.State is "QUEUED" or "EXECUTING" && !inFlightBefore.Contains(p.Key));
    }

    [Fact]
    public async Task Resume_ImportedPythonSession_ContinuesToItsBatchSizeKeepingOldResults()
    {
        await SeedAsync();
        var python = Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", "python-v1-session.json");
        var copy = Path.Combine(folder.FullName, "batch-drain-20251201-101500.json");
        File.Copy(python, copy);

        using (var import = DrainProcess.Start(environment, "sessions", "import", copy))
        {
            Assert.Equal(0, await import.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("Imported batch-drain-20251201-101500 (2 results, incomplete", import.Stdout, StringComparison.Ordinal);
        }

        using (var again = DrainProcess.Start(environment, "sessions", "import", copy))
        {
            Assert.Equal(2, await again.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("already stored", again.Stderr, StringComparison.Ordinal);
        }

        using var resumed = DrainProcess.Start(environment, "--resume", "--phase-timeout-seconds", "20", "--executor-command", ExecutorTemplate(0.05), "--json");
        var code = await resumed.WaitForExitAsync(TimeSpan.FromMinutes(4));

        Assert.True(code is 0 or 1, resumed.Stderr);
        Assert.Contains("Resuming session batch-drain-20251201-101500 (2/5 processed)", resumed.Stderr, StringComparison.Ordinal);
        var session = LastJson(resumed.Stdout);
        Assert.Equal("batch-drain-20251201-101500", session.GetProperty("session_id").GetString());
        Assert.Equal(5, session.GetProperty("total_processed").GetInt32());
        var results = session.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(5, results.Count);
        Assert.Equal("core-phase-1", results[0].GetProperty("phase_id").GetString());
        Assert.Equal("core-phase-2", results[1].GetProperty("phase_id").GetString());
        Assert.NotEqual(JsonValueKind.Null, session.GetProperty("completed_at").ValueKind);
    }

    public void Dispose() => folder.Delete(recursive: true);
}

public sealed class ServeAndRemoteDrainTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-serve-");
    private readonly Dictionary<string, string> environment;

    public ServeAndRemoteDrainTests()
    {
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "srv" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "srv-" + Guid.NewGuid().ToString("N")[..12],
        };
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Endpoint_AgainstDrainServe_RunsDrainOverHttpAndPrintsSummary()
    {
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"])))
        {
            await admin.InitSchemaAsync();
            await admin.SeedDemoAsync();
        }

        var demo = Path.Combine(CliRunner.RepoRoot(), "src", "DrainFunctions.DemoExecutor", "bin", "Release", "net10.0", "DrainFunctions.DemoExecutor.dll");
        var port = FreePort();
        using var serve = DrainProcess.Start(environment, "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--key", "k3y",
            "--executor-command", $"dotnet '{demo}' --run-id {{run_id}} --phase-id {{phase_id}} --time-scale 0.05");
        serve.WaitForLine(l => l.StartsWith("Serving the drain API", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var endpoint = $"http://127.0.0.1:{port}";

        using (var http = new HttpClient())
        {
            using var unauthorized = await http.GetAsync(new Uri(endpoint + "/api/drains"));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);
            using var bad = await http.PostAsync(new Uri(endpoint + "/api/drains?code=k3y"), new StringContent("""{"batchSize": 0, "bogus": 1}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
            Assert.True(problem.TryGetProperty("batchSize", out _));
            Assert.True(problem.TryGetProperty("bogus", out _));
        }

        using var remote = DrainProcess.Start(environment, "--endpoint", endpoint, "--key", "k3y", "--batch-size", "2", "--phase-timeout-seconds", "30");
        var code = await remote.WaitForExitAsync(TimeSpan.FromMinutes(3));

        Assert.True(code is 0 or 1, remote.Stderr);
        Assert.Contains("[1/2] Selecting next phase...", remote.Stdout, StringComparison.Ordinal);
        Assert.Contains("  Draining: ", remote.Stdout, StringComparison.Ordinal);
        Assert.Contains("Total Processed: 2", remote.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
