using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Flags;
using DrainFunctions.LocalHost;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// Controller overhead per phase of the durable drain with an instant executor (`true`), on the
// in-process Durable Task host, real Azurite blobs and a real SQLite backlog.
//   DRAIN_TEST_AZURITE=<connection string> dotnet run -c Release --project bench/DrainFunctions.Durable.Bench [-- 10 1000]
// Parallel slots (issue 13): wall time of SIZE phases of `sleep S` at each K, on the local durable
// host over Azurite (as `drain` runs), and the ratio to K = 1:
//   ... [-- 40 --parallel 1 --parallel 4 --parallel 8 --sleep 2]
// Reading sessions (issue 17): N stored sessions of 10 results each, then the medians of 5 warm runs
// of `./drain sessions list`, `report ID` and `status ID`:
//   ... [-- --sessions 1000]
// BENCH_TELEMETRY=on: the drain's traces and metrics go to the OpenTelemetry SDK (in-memory
// exporter), to measure what turning telemetry on costs per phase (docs/observability.md).
// The telemetry emission alone per phase, off and on, medians over N phases per mode (no Azurite needed):
//   ... [-- --telemetry 20000]
var sizesArgument = new Argument<string[]>("SIZE") { Arity = ArgumentArity.ZeroOrMore, Description = "phases per measured drain (default 10 1000; 40 with --parallel)" };
var parallelOption = new Option<int[]>("--parallel") { Description = "slots K (repeatable): one drain per K on the local durable host", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
var sleepOption = new Option<double>("--sleep") { Description = "seconds each phase's executor sleeps with --parallel (default 2)", DefaultValueFactory = _ => 2.0 };
var sessionsOption = new Option<int?>("--sessions") { Description = "store N sessions and time sessions list, report and status over them" };
var telemetryOption = new Option<int?>("--telemetry") { Description = "time what the drain's telemetry emits per phase, off and on, over N phases per round and mode" };
var root = new RootCommand("Controller overhead per phase of the durable drain with an instant executor; with --parallel, wall time per number of slots") { sizesArgument, parallelOption, sleepOption, sessionsOption, telemetryOption };
root.Validators.Add(result =>
{
    if ((result.GetValue(sizesArgument) ?? []).FirstOrDefault(s => !int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1) is { } bad)
    {
        result.AddError(FlagError.Text("SIZE", $"invalid int value: '{FlagError.Shorten(bad)}' (allowed: an integer >= 1)"));
    }
});
CommandHelp.Install(root);
if (!FlagParsing.TryParse(root, args, Console.Out, Console.Error, out var parsed, out var exitCode))
{
    return exitCode;
}

var given = parsed.GetValue(sizesArgument) ?? [];
if (parsed.GetValue(telemetryOption) is { } telemetryPhases)
{
    if (telemetryPhases < 1)
    {
        Console.Error.WriteLine($"bench: error: argument --telemetry: invalid value: {telemetryPhases} (allowed: an integer >= 1)");
        return 2;
    }

    TelemetryBench.Run(telemetryPhases);
    return 0;
}

var azurite = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE");
if (string.IsNullOrEmpty(azurite))
{
    Console.Error.WriteLine("DRAIN_TEST_AZURITE is not set: source scripts/services.sh && start_azurite first");
    return 1;
}

if (parsed.GetValue(sessionsOption) is { } sessionCount)
{
    if (sessionCount < 1)
    {
        Console.Error.WriteLine($"bench: error: argument --sessions: invalid value: {sessionCount} (allowed: an integer >= 1)");
        return 2;
    }

    await SessionReadBench.RunAsync(azurite, sessionCount);
    return 0;
}

var telemetryOn = Environment.GetEnvironmentVariable("BENCH_TELEMETRY") == "on";
var exportedSpans = new List<Activity>();
using var tracing = telemetryOn ? OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(DrainFunctions.Durable.Telemetry.DrainTelemetry.Name).AddInMemoryExporter(exportedSpans).Build() : null;
using var metering = telemetryOn ? OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(DrainFunctions.Durable.Telemetry.DrainTelemetry.Name).AddInMemoryExporter(new List<OpenTelemetry.Metrics.Metric>()).Build() : null;
Console.WriteLine(telemetryOn ? "telemetry: on (OpenTelemetry SDK, in-memory exporter)" : "telemetry: off");

var slots = parsed.GetValue(parallelOption) ?? [];
if (slots.Length > 0)
{
    if (slots.FirstOrDefault(k => k is < 1 or > DrainOptions.MaxParallel) is var bad and not 0)
    {
        Console.Error.WriteLine($"bench: error: argument --parallel: invalid value: {bad} (allowed: an integer from 1 to {DrainOptions.MaxParallel})");
        return 2;
    }

    var phases = given.Length > 0 ? int.Parse(given[0], CultureInfo.InvariantCulture) : 40;
    var sleep = parsed.GetValue(sleepOption);
    var walls = new List<(int K, double Seconds)>();
    foreach (var k in slots)
    {
        walls.Add((k, await Bench.RunParallelAsync(azurite, phases, k, sleep)));
    }

    var sequential = walls.FirstOrDefault(w => w.K == 1).Seconds;
    foreach (var (k, seconds) in walls)
    {
        var ratio = sequential > 0 ? string.Create(CultureInfo.InvariantCulture, $", {seconds / sequential:F2}x the wall time at K = 1") : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"K = {k}: {phases} phases of sleep {sleep} s in {seconds:F1} s{ratio}"));
    }

    return 0;
}

var sizes = given.Length > 0 ? given.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [10, 1000];
foreach (var size in sizes)
{
    await Bench.RunAsync(azurite, size);
}

if (telemetryOn)
{
    tracing!.ForceFlush();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"telemetry: {exportedSpans.Count} spans exported"));
}

return 0;

internal interface IBenchHost : IAsyncDisposable
{
    string Name { get; }

    DurableTaskClient Client { get; }
}

internal sealed class InProcessHost(DurableTaskTestHost host) : IBenchHost
{
    public string Name => "in-process Durable Task host (in-memory backend)";

    public DurableTaskClient Client => host.Client;

    public ValueTask DisposeAsync() => host.DisposeAsync();
}

internal sealed class AzureStorageHost(LocalDurableHost host) : IBenchHost
{
    public string Name => "local durable host (Azure Storage backend on Azurite)";

    public DurableTaskClient Client => host.Client;

    public ValueTask DisposeAsync() => host.DisposeAsync();
}

internal static class Bench
{
    /// <summary>One drain of <paramref name="phases"/> phases of <c>sleep</c> at <paramref name="slots"/> slots, on the local durable host; returns its wall time.</summary>
    public static async Task<double> RunParallelAsync(string azurite, int phases, int slots, double sleep)
    {
        var dir = Path.Combine(Path.GetTempPath(), "drain-durable-bench", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var dbPath = Path.Combine(dir, "autopack.db");
        var url = DatabaseUrl.Parse("sqlite:///" + dbPath);
        await BacklogSchema.InitAsync(url);

        // Enough runs for every slot: phases of one run never run together.
        await SeedAsync(dbPath, phases, Math.Max(DrainOptions.MaxParallel, phases / 4));
        var container = "bench-" + Guid.NewGuid().ToString("N")[..12];
        await using (var host = await LocalDurableHost.StartAsync(
            new LocalHostOptions { StorageConnectionString = azurite, TaskHubName = "bench" + Guid.NewGuid().ToString("N")[..12] },
            registry => registry.AddDrainTasks(),
            services =>
            {
                services.AddLogging();
                AddDrain(services, azurite, container, dbPath, dir, "sleep " + sleep.ToString(CultureInfo.InvariantCulture));
            }))
        {
            var watch = Stopwatch.StartNew();
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), new DrainOrchestrationInput
            {
                Options = new DrainOptions { BatchSize = phases, PhaseTimeoutSeconds = 60, MaxFingerprintRepeats = 1_000_000, Parallel = slots, LedgerEnabled = false },
            });
            var metadata = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);
            watch.Stop();
            var output = metadata.ReadOutputAs<DrainSummaryOutput>()!;
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed || output.TotalProcessed != phases)
            {
                throw new InvalidOperationException($"bench run ended {metadata.RuntimeStatus} after {output?.TotalProcessed} phases: {metadata.FailureDetails?.ErrorMessage}");
            }

            await new BlobServiceClient(azurite).GetBlobContainerClient(container).DeleteIfExistsAsync();
            Directory.Delete(dir, recursive: true);
            return watch.Elapsed.TotalSeconds;
        }
    }

    public static async Task RunAsync(string azurite, int phases)
    {
        var dir = Path.Combine(Path.GetTempPath(), "drain-durable-bench", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var dbPath = Path.Combine(dir, "autopack.db");
        var url = DatabaseUrl.Parse("sqlite:///" + dbPath);
        await BacklogSchema.InitAsync(url);
        await SeedAsync(dbPath, phases, Math.Max(1, phases / 20));
        var container = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var counter = new ByteCounter();
        var clientOptions = new BlobClientOptions();
        clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var blobService = new BlobServiceClient(azurite, clientOptions);
        var starts = new List<(long Ticks, long Bytes, long BlockLists)>();
        var runs = new List<double>();

        void ConfigureServices(IServiceCollection services)
        {
            services.AddLogging();
            services.AddSingleton(blobService);
            services.AddSingleton<IPhaseExecutor>(sp => new TimingExecutor(ActivatorUtilities.CreateInstance<ProcessExecutor>(sp), starts, runs, counter));
            AddDrain(services, azurite, container, dbPath, dir, "true");
        }

        // BENCH_BACKEND=azurestorage: the local durable host (Azure Storage backend on Azurite), as `drain` runs it.
        await using var host = Environment.GetEnvironmentVariable("BENCH_BACKEND") == "azurestorage"
            ? (IBenchHost)new AzureStorageHost(await LocalDurableHost.StartAsync(
                new LocalHostOptions { StorageConnectionString = azurite, TaskHubName = "bench" + Guid.NewGuid().ToString("N")[..12] },
                registry => registry.AddDrainTasks(),
                ConfigureServices))
            : new InProcessHost(await DurableTaskTestHost.StartAsync(
                registry => registry.AddDrainTasks(),
                new DurableTaskTestHostOptions { LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, ConfigureServices = ConfigureServices }));
        Console.WriteLine($"backend: {host.Name}");

        var watch = Stopwatch.StartNew();
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), new DrainOrchestrationInput
        {
            Options = new DrainOptions { BatchSize = phases, PhaseTimeoutSeconds = 60, MaxFingerprintRepeats = 1_000_000 },
            PhasesPerGeneration = int.TryParse(Environment.GetEnvironmentVariable("BENCH_PHASES_PER_GENERATION"), out var g) ? g : DrainOrchestrationInput.DefaultPhasesPerGeneration,
        });
        var metadata = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);
        watch.Stop();
        var output = metadata.ReadOutputAs<DrainSummaryOutput>()!;
        if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed || output.TotalProcessed != phases)
        {
            throw new InvalidOperationException($"bench run ended {metadata.RuntimeStatus} after {output?.TotalProcessed} phases: {metadata.FailureDetails?.ErrorMessage}");
        }

        // Phase i's cycle: from its executor start to the next one's (the last one has none).
        var cycles = new List<double>();
        var bytes = new List<long>();
        var lists = new List<long>();
        for (var i = 0; i + 1 < starts.Count; i++)
        {
            cycles.Add((starts[i + 1].Ticks - starts[i].Ticks) * 1000.0 / Stopwatch.Frequency);
            bytes.Add(starts[i + 1].Bytes - starts[i].Bytes);
            lists.Add(starts[i + 1].BlockLists - starts[i].BlockLists);
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        var executorMedian = Median(runs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"session of {phases} phases: {watch.Elapsed.TotalSeconds:F1} s total, {output.Generations} generations"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  per phase (median): cycle {Median(cycles):F1} ms, of which the process `true` itself {executorMedian:F1} ms => controller overhead {Median(cycles) - executorMedian:F1} ms"));
        if (cycles.Count >= 20)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  first 10 phases median cycle {Median(cycles.Take(10)):F1} ms; last 10 phases median cycle {Median(cycles.TakeLast(10)):F1} ms"));
        }

        void BytesAt(int phase)
        {
            if (phase - 1 < bytes.Count)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  blob bytes written for phase {phase}: {bytes[phase - 1]} = {bytes[phase - 1] - lists[phase - 1]} data (attempt marker, result, header, footer blocks) + {lists[phase - 1]} block list"));
            }
        }

        BytesAt(Math.Min(10, phases - 1));
        if (phases - 1 > 10)
        {
            BytesAt(phases - 1);
        }
        await blobService.GetBlobContainerClient(container).DeleteIfExistsAsync();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>The drain's services on the bench's SQLite backlog and blob container, with <paramref name="template"/> as the executor.</summary>
    private static void AddDrain(IServiceCollection services, string azurite, string container, string dbPath, string dir, string template)
    {
        var url = DatabaseUrl.Parse("sqlite:///" + dbPath);
        services.AddDrainServices(
            new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(url, null, ct)),
            s =>
            {
                s.ConnectionString = azurite;
                s.ContainerName = container;
                s.Backlog = url.Backlog.Canonical;
            },
            e =>
            {
                e.CommandTemplate = template;
                e.Workspace = dir;
                e.DatabaseUrl = "sqlite:///" + dbPath;
                e.SettleTimeout = TimeSpan.Zero;
            });
    }

    private static async Task SeedAsync(string dbPath, int phases, int runs)
    {
        await using var connection = new SqliteConnection($"Data Source={dbPath}");
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        for (var r = 0; r < runs; r++)
        {
            await using var run = connection.CreateCommand();
            run.CommandText = "INSERT INTO runs (id, state, created_at, updated_at) VALUES (@id, 'RUN_CREATED', '2026-01-01 00:00:00', '2026-01-01 00:00:00')";
            run.Parameters.AddWithValue("@id", $"research-system-v{r}");
            await run.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < phases; i++)
        {
            await using var phase = connection.CreateCommand();
            phase.CommandText = "INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES (@p, @r, @i, @p, 'FAILED', 'CI collection/import error', '2026-01-01 00:00:00', '2026-01-01 00:00:00')";
            phase.Parameters.AddWithValue("@p", $"phase-{i:D4}-integration-tests");
            phase.Parameters.AddWithValue("@r", $"research-system-v{i % runs}");
            phase.Parameters.AddWithValue("@i", i / runs);
            await phase.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }
}

/// <summary>Counts request body bytes sent to blob storage.</summary>
internal sealed class ByteCounter : HttpPipelineSynchronousPolicy
{
    private long total;
    private long blockLists;

    public long Total => Interlocked.Read(ref total);

    public long BlockLists => Interlocked.Read(ref blockLists);

    public override void OnSendingRequest(HttpMessage message)
    {
        if (message.Request.Content is { } content && content.TryComputeLength(out var length))
        {
            Interlocked.Add(ref total, length);
            if (message.Request.Uri.Query.Contains("comp=blocklist", StringComparison.Ordinal))
            {
                Interlocked.Add(ref blockLists, length);
            }
        }
    }
}

/// <summary>Records when each executor starts (and the bytes written so far) and how long it ran.</summary>
internal sealed class TimingExecutor(IPhaseExecutor inner, List<(long, long, long)> starts, List<double> runs, ByteCounter counter) : IPhaseExecutor
{
    public async Task<ExecutorRun> RunAsync(ExecutorRequest request, CancellationToken stopToken)
    {
        lock (starts)
        {
            starts.Add((Stopwatch.GetTimestamp(), counter.Total, counter.BlockLists));
        }

        var run = await inner.RunAsync(request, stopToken);
        lock (runs)
        {
            runs.Add(run.DurationSeconds * 1000);
        }

        return run;
    }
}
