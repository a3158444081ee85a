using System.CommandLine;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain demo</c>: a fresh SQLite demo backlog and a real durable drain on it (local durable
/// host, Azure Storage backend on Azurite, the demo executor through the process executor).
/// </summary>
public static class DemoCommand
{
    /// <summary>The demo executor sleeps 5-24 s per phase at scale 1; this makes a phase take 1-5 s.</summary>
    public const double TimeScale = 0.2;

    public const string DemoTaskHub = "drainDemo";

    /// <summary>The demo's options where the user gives none: small batches, short phases.</summary>
    public static readonly DrainOptions Defaults = new() { BatchSize = 10, PhaseTimeoutSeconds = 8, MaxFingerprintRepeats = 2 };

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var command = new Command("demo", "a real durable drain on a fresh SQLite demo backlog (local durable host + Azurite), about a minute; takes the drain's flags, with the demo's defaults --executor demo --batch-size 10 --phase-timeout-seconds 8 --max-fingerprint-repeats 2");
        var flags = new DrainFlagSet();
        flags.AddTo(command);
        command.SetAction(async (parsed, _) => await RunAsync(flags.Bind(parsed, Defaults, defaultExecutor: "demo"), context.Stdout, context.Stderr, context.Interrupts));
        return CommandHelp.WithExamples(
            command,
            "drain demo                        # the whole demo: seed, drain, summary",
            "drain demo --batch-size 3 --json  # a shorter one; the session JSON on stdout");
    }

    /// <summary>Seeds a fresh demo backlog and drains it with <paramref name="invocation"/> (already checked: bad flags destroy nothing).</summary>
    public static async Task<int> RunAsync(DrainInvocation invocation, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var environment = LocalEnvironment.FromProcess();
        var folder = Path.Combine(environment.WorkspaceFolder, "demo");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "autopack-demo.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }

        var url = "sqlite:///" + path;
        Environment.SetEnvironmentVariable(DatabaseUrl.EnvironmentVariable, url);
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(url)))
        {
            await admin.InitSchemaAsync();
            var seeded = await admin.SeedDemoAsync();
            stdout.WriteLine($"Created a fresh demo backlog: {seeded.Runs} runs, {seeded.Phases} phases, {seeded.Failed} FAILED");
        }

        // The demo has a task hub of its own, emptied first: an earlier demo that was killed must
        // not come back to life and drain this new backlog alongside it.
        environment = environment with { TaskHubName = DemoTaskHub };
        Environment.SetEnvironmentVariable(LocalEnvironment.TaskHubSetting, DemoTaskHub);
        await ForgetEarlierDemosAsync(environment, DatabaseUrl.Parse(url), path, stderr);

        // The demo backlog fails on purpose; the demo itself succeeded when the drain ran to its end.
        var code = await DrainCommand.RunAsync(invocation, stdout, stderr, interrupts, TimeScale);
        return code == 1 ? 0 : code;
    }

    /// <summary>
    /// The backlog is new, so what the ledger remembers of earlier demos' runs (same run ids) must
    /// not decide this one.
    /// </summary>
    private static async Task ForgetEarlierDemosAsync(LocalEnvironment environment, DatabaseUrl url, string databasePath, TextWriter progress)
    {
        var runs = new List<string>();
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databasePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id FROM runs";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                runs.Add(reader.GetString(0));
            }
        }

        var (azurite, _) = await LocalDrainHost.OpenSessionsAsync(environment, progress);
        await using (azurite)
        {
            await DrainFunctions.LocalHost.LocalDurableHost.DeleteTaskHubAsync(new DrainFunctions.LocalHost.LocalHostOptions
            {
                StorageConnectionString = environment.StorageConnectionString,
                TaskHubName = environment.TaskHubName,
            });
            // The ledger is kept per backlog: the demo's own scope, as its drain reads it.
            var options = new DrainFunctions.Durable.Hosting.SnapshotOptions { ConnectionString = environment.StorageConnectionString, ContainerName = environment.SessionContainer, Backlog = url.Backlog.Canonical };
            var ledger = new DrainFunctions.Durable.Ledger.BlobLedgerStore(DrainFunctions.Durable.Hosting.DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options));
            foreach (var run in runs)
            {
                await ledger.ForgetRunAsync(run);
            }
        }
    }
}
