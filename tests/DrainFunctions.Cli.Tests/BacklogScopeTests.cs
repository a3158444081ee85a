using System.Text.Json;
using Azure.Storage.Blobs;
using DrainFunctions.Data;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// What drains remember across sessions belongs to the database it came from: two SQLite files
/// with the same run ids (the demo backlog twice), one blob container, the real command line.
/// </summary>
public sealed class BacklogScopeTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-scope-");
    private readonly string container = "scope-" + Guid.NewGuid().ToString("N")[..12];

    private static string Azurite => Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
        ? azurite
        : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");

    private static string DemoExecutor => Path.Combine(CliRunner.RepoRoot(), "src", "DrainFunctions.DemoExecutor", "bin", "Release", "net10.0", "DrainFunctions.DemoExecutor.dll");

    /// <summary>Every phase fails the same way, quickly: the drains differ only in what they remember.</summary>
    private static string FailingExecutor => $"dotnet '{DemoExecutor}' --run-id {{run_id}} --phase-id {{phase_id}} --outcome fail --reason 'ImportError: no module named autopack_x'";

    /// <summary>
    /// A seeded database and the environment of a drain on it. No task hub is named, so each
    /// database gets its own (the default), as a user who drains two databases has.
    /// </summary>
    private async Task<Dictionary<string, string>> DatabaseAsync(string name)
    {
        var url = "sqlite:///" + Path.Combine(folder.FullName, name + ".db");
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(url)))
        {
            await admin.InitSchemaAsync();
            await admin.SeedDemoAsync();
        }

        return new Dictionary<string, string>
        {
            ["DATABASE_URL"] = url,
            ["AzureWebJobsStorage"] = Azurite,
            ["Snapshots__ContainerName"] = container,
        };
    }

    private static async Task<(int Code, JsonElement Session, string Stderr)> DrainAsync(Dictionary<string, string> environment, params string[] flags)
    {
        using var drain = DrainProcess.Start(environment, [.. flags, "--phase-timeout-seconds", "30", "--executor-command", FailingExecutor, "--json"]);
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(4));
        Assert.True(code is 0 or 1, drain.Stderr);
        return (code, JsonDocument.Parse(drain.Stdout).RootElement.Clone(), drain.Stderr);
    }

    private static List<string> Keys(JsonElement session) =>
        [.. session.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("run_id").GetString()}:{r.GetProperty("phase_id").GetString()}")];

    [Fact]
    public async Task Drain_TwoDatabasesSameRunIds_EachSeesOnlyItsOwnHistory()
    {
        var first = await DatabaseAsync("first");
        var second = await DatabaseAsync("second");

        // With the ledger: the first database's attempts must not rule out the second's phases.
        var (_, a, _) = await DrainAsync(first, "--batch-size", "3", "--max-attempts-per-phase", "1");
        var (_, b, bLines) = await DrainAsync(second, "--batch-size", "3", "--max-attempts-per-phase", "1");
        Assert.Equal(3, Keys(a).Count);
        Assert.Equal(Keys(a), Keys(b));
        Assert.DoesNotContain("(ledger)", bLines, StringComparison.Ordinal);
        Assert.Contains($"[backlog sqlite:///{Path.Combine(folder.FullName, "second.db")}]", bLines, StringComparison.Ordinal);

        // Each database's ledger holds its own drains' attempts, and only those.
        var aId = a.GetProperty("session_id").GetString()!;
        var bId = b.GetProperty("session_id").GetString()!;
        foreach (var (environment, own, other) in new[] { (first, aId, bId), (second, bId, aId) })
        {
            using var ledger = DrainProcess.Start(environment, "ledger", "show");
            Assert.Equal(0, await ledger.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains(own, ledger.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(other, ledger.Stdout, StringComparison.Ordinal);
        }

        // Without the ledger, attempts come from stored sessions: only this database's.
        var third = await DatabaseAsync("third");
        var (_, c, cLines) = await DrainAsync(third, "--batch-size", "3", "--max-attempts-per-phase", "1", "--no-ledger");
        Assert.Equal(Keys(a), Keys(c));
        Assert.DoesNotContain("already attempted", cLines, StringComparison.Ordinal);

        // sessions list: this database's sessions; --all: every database's, each with its database.
        using (var list = DrainProcess.Start(second, "sessions", "list"))
        {
            Assert.Equal(0, await list.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains(b.GetProperty("session_id").GetString()!, list.Stdout, StringComparison.Ordinal);
            Assert.Single(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        using (var all = DrainProcess.Start(second, "sessions", "list", "--all"))
        {
            Assert.Equal(0, await all.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Equal(3, all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains("first.db", all.Stdout, StringComparison.Ordinal);
            Assert.Contains("third.db", all.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Resume_IncompleteSessionOfAnotherDatabase_IsNotContinued()
    {
        var first = await DatabaseAsync("first");
        var second = await DatabaseAsync("second");
        var python = Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", "python-v1-session.json");
        var copy = Path.Combine(folder.FullName, "batch-drain-20251201-101500.json");
        File.Copy(python, copy);
        using (var import = DrainProcess.Start(first, "sessions", "import", copy))
        {
            Assert.Equal(0, await import.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        }

        using var resumed = DrainProcess.Start(second, "--resume", "--executor-command", FailingExecutor);
        var code = await resumed.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, code);
        Assert.Contains("no incomplete session to resume", resumed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("batch-drain-20251201-101500", resumed.Stdout + resumed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionsImport_WithoutDatabaseUrl_RefusedImportingNothing()
    {
        var environment = new Dictionary<string, string> { ["DATABASE_URL"] = string.Empty, ["AzureWebJobsStorage"] = Azurite, ["Snapshots__ContainerName"] = container };
        var copy = Path.Combine(folder.FullName, "batch-drain-20251201-101500.json");
        File.Copy(Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", "python-v1-session.json"), copy);

        using var import = DrainProcess.Start(environment, "sessions", "import", copy);

        Assert.Equal(1, await import.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("DATABASE_URL must name the database these sessions drained", import.Stderr, StringComparison.Ordinal);
        using var all = DrainProcess.Start(environment, "sessions", "list", "--all");
        Assert.Equal(0, await all.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.DoesNotContain("batch-drain-20251201-101500", all.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LedgerShowAll_EntriesWrittenBeforeScoping_ListedButNeverApplied()
    {
        var first = await DatabaseAsync("first");

        // What the ledger looked like before it was kept per database: ledger/runs/<run>.json.
        var unscoped = new BlobLedgerStore(new BlobServiceClient(Azurite), Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ContainerName = container }));
        await unscoped.RecordAsync(new LedgerRecord(null, new LedgerRunStop { RunId = "research-system-v6", SessionId = "batch-drain-20251201-101500", At = unscoped.Now, Fingerprint = "FAILED|rc1|importerror" }));
        Assert.StartsWith(BlobLedgerStore.LegacyPrefix, unscoped.RunBlobName("research-system-v6"), StringComparison.Ordinal);

        using (var all = DrainProcess.Start(first, "ledger", "show", "--all"))
        {
            Assert.Equal(0, await all.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains(BlobLedgerStore.LegacyBacklog, all.Stdout, StringComparison.Ordinal);
            Assert.Contains("research-system-v6", all.Stdout, StringComparison.Ordinal);
        }

        using (var mine = DrainProcess.Start(first, "ledger", "show"))
        {
            Assert.Equal(0, await mine.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.DoesNotContain("research-system-v6", mine.Stdout, StringComparison.Ordinal);
        }

        using var dry = DrainProcess.Start(first, "--dry-run", "--run-id", "research-system-v6");
        Assert.Equal(0, await dry.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("[DRY RUN] Would drain: research-system-v6 / ", dry.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);
}

/// <summary>Two drains of one database started at the same instant, from two task hubs: one drains, the other is refused.</summary>
public sealed class OneDrainPerDatabaseTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-lock-");
    private readonly string container = "lock-" + Guid.NewGuid().ToString("N")[..12];

    private string Url => "sqlite:///" + Path.Combine(folder.FullName, "autopack.db");

    private static string Demo => Path.Combine(CliRunner.RepoRoot(), "src", "DrainFunctions.DemoExecutor", "bin", "Release", "net10.0", "DrainFunctions.DemoExecutor.dll");

    private async Task SeedAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(Url));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    /// <summary>A drain of this test's database in task hub <paramref name="hub"/>; every hub shares one container, as machines share one storage account.</summary>
    private Dictionary<string, string> Environment(string hub) => new()
    {
        ["DATABASE_URL"] = Url,
        ["AzureWebJobsStorage"] = System.Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") ?? throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set"),
        ["DURABLE_TASK_HUB_NAME"] = hub + Guid.NewGuid().ToString("N")[..8],
        ["Snapshots__ContainerName"] = container,
    };

    [Fact]
    public async Task Drain_TwoStartedTogetherOnTwoHubs_OneDrainsOneRefusedOneSession()
    {
        await SeedAsync();

        var starts = Path.Combine(folder.FullName, "starts.log");
        var script = Path.Combine(folder.FullName, "executor.sh");
        await File.WriteAllTextAsync(script, $"""
            #!/usr/bin/env bash
            echo "$1:$2" >> '{starts}'
            sleep 2
            exec dotnet '{Demo}' --run-id "$1" --phase-id "$2" --outcome fail --reason 'AssertionError: lock test'
            """);

        string[] flags = ["--batch-size", "2", "--phase-timeout-seconds", "60", "--executor-command", $"bash '{script}' {{run_id}} {{phase_id}}"];
        using var one = DrainProcess.Start(Environment("lockone"), flags);
        using var two = DrainProcess.Start(Environment("locktwo"), flags);
        var codes = await Task.WhenAll(one.WaitForExitAsync(TimeSpan.FromMinutes(4)), two.WaitForExitAsync(TimeSpan.FromMinutes(4)));

        var refused = new[] { one, two }.Where(d => d.Stderr.Contains("holds database", StringComparison.Ordinal)).ToList();
        var drained = new[] { one, two }.Where(d => d.Stdout.Contains("BATCH DRAIN SUMMARY", StringComparison.Ordinal)).ToList();
        Assert.True(refused.Count == 1 && drained.Count == 1, $"one: {codes[0]}\n{one.Stdout}\n{one.Stderr}\ntwo: {codes[1]}\n{two.Stdout}\n{two.Stderr}");
        Assert.DoesNotContain("Draining:", refused[0].Stdout, StringComparison.Ordinal);
        var started = await File.ReadAllLinesAsync(starts);
        Assert.Equal(2, started.Length);
        Assert.Equal(2, started.Distinct().Count());

        using var list = DrainProcess.Start(Environment("lockone"), "sessions", "list");
        Assert.Equal(0, await list.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Single(list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Drain_HolderKilledOnThisMachine_NextDrainTakesOverAtOnce()
    {
        await SeedAsync();


        using (var holder = DrainProcess.Start(Environment("lockdead"), "--batch-size", "1", "--phase-timeout-seconds", "20", "--executor-command", "sleep 20"))
        {
            holder.WaitForLine(l => l.Contains("Draining:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            holder.Crash();
            await holder.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        // The dead drain's hold has minutes left, but its process is gone from this machine.
        using var next = DrainProcess.Start(Environment("locknext"),
            "--batch-size", "1", "--phase-timeout-seconds", "20", "--executor-command", $"dotnet '{Demo}' --run-id {{run_id}} --phase-id {{phase_id}} --outcome complete");
        var code = await next.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(code == 0, $"{code}\n{next.Stdout}\n{next.Stderr}");
        Assert.Contains("BATCH DRAIN SUMMARY", next.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
