using Microsoft.Extensions.Logging;
using System.Globalization;
using Azure.Storage.Blobs;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Data;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.LocalHost;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests.Infrastructure;

/// <summary>Real services for one test: a SQLite backlog file, an Azurite container, executor scripts.</summary>
public sealed class TestBed : IAsyncDisposable
{
    private readonly DrainFunctions.Tests.Shared.SqliteBacklogRows rows;

    private TestBed()
    {
        Directory = Path.Combine(Path.GetTempPath(), "drain-durable-tests", Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        PidDirectory = Path.Combine(Directory, "pids");
        System.IO.Directory.CreateDirectory(PidDirectory);
        DatabasePath = Path.Combine(Directory, "autopack.db");
        rows = new(DatabasePath);
        DatabaseUrl = "sqlite:///" + DatabasePath;
        Url = Data.DatabaseUrl.Parse(DatabaseUrl);
        ContainerName = "t-" + Guid.NewGuid().ToString("N")[..20];
        Blobs = new BlobServiceClient(AzuriteConnectionString).GetBlobContainerClient(ContainerName);
        ExecutorScript = Path.Combine(Directory, "executor.sh");
        File.WriteAllText(ExecutorScript, ScriptText(PidDirectory, DemoExecutorDll));
    }

    /// <summary>Azurite, started by scripts/services.sh (start_azurite); never skipped when missing.</summary>
    public static string AzuriteConnectionString =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "DRAIN_TEST_AZURITE is not set: these tests need Azurite. Run ./scripts/test.sh, or: source scripts/services.sh && start_azurite && dotnet test ...");

    public static string DemoExecutorDll => Path.Combine(AppContext.BaseDirectory, "DrainFunctions.DemoExecutor.dll");

    public string Directory { get; }

    public string PidDirectory { get; }

    public string DatabasePath { get; }

    public string DatabaseUrl { get; }

    public DatabaseUrl Url { get; }

    public string ContainerName { get; }

    public BlobContainerClient Blobs { get; }

    public string ExecutorScript { get; }

    public string LogPath => Environment.GetEnvironmentVariable("DRAIN_TEST_LOG") ?? Path.Combine(Directory, "test.log");

    /// <summary>The default test template: the script decides by the phase id's prefix.</summary>
    public string Template => $"bash '{ExecutorScript}' {{run_id}} {{phase_id}}";

    public static async Task<TestBed> CreateAsync()
    {
        _ = AzuriteConnectionString;
        var bed = new TestBed();
        await BacklogSchema.InitAsync(bed.Url);
        return bed;
    }

    /// <summary>
    /// Phase ids drive the script: <c>hang*</c> sleeps 600 s, <c>banner*</c> prints a line then sleeps 600 s, <c>chatty*</c> prints a line every 0.3 s
    /// forever (and notes the time of each in <c>PHASE.ticks</c>), <c>steady*</c> prints for 4.5 s then
    /// completes with 1 telemetry row, <c>slow*</c> completes after 2 s,
    /// <c>fail*</c> fails with an import error, <c>noop*</c> exits 0 without touching the phase,
    /// anything else completes with 2 telemetry rows. Each writes its pid first.
    /// </summary>
    private static string ScriptText(string pids, string demo) => $$"""
        #!/usr/bin/env bash
        run="$1"; phase="$2"
        echo $$ > '{{pids}}'/"$phase.pid"
        case "$phase" in
          hang*) exec sleep 600 ;;
          banner*) echo "starting $phase: waiting for the builder"; exec sleep 600 ;;
          chatty*) while true; do echo "tick $(date +%s.%N)"; date +%s.%N >> '{{pids}}'/"$phase.ticks"; sleep 0.3; done ;;
          steady*) for i in $(seq 1 15); do echo "step $i"; sleep 0.3; done; exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 1 ;;
          slow*) sleep 2; exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 1 ;;
          fail*) echo "running $phase"; exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome fail --reason "ImportError at line 12: cannot import module from /app/src/mod.py:45" ;;
          zero*) exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 0 ;;
          noop*) exit 0 ;;
          *) exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 2 ;;
        esac
        """.Replace("\r", string.Empty, StringComparison.Ordinal);

    public Task AddPhaseAsync(string runId, string phaseId, int index, string state = "FAILED", string? reason = null) =>
        rows.AddPhaseAsync(runId, phaseId, index, state, reason);

    public async Task<string?> StateOfAsync(string runId, string phaseId)
    {
        await using var store = await BacklogStores.OpenAsync(Url);
        return (await store.GetPhaseAsync(runId, phaseId))?.State;
    }

    public async Task<Dictionary<string, string>> AllStatesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id, phase_id, state, COALESCE(last_failure_reason, '') FROM phases ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            states[reader.GetString(0) + ":" + reader.GetString(1)] = reader.GetString(2) + "|" + reader.GetString(3);
        }

        return states;
    }

    public int? PidOf(string phaseId)
    {
        var file = Path.Combine(PidDirectory, phaseId + ".pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
    }

    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (!IsAlive(pid))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return !IsAlive(pid);
    }

    /// <summary>
    /// The activities the latest generation of <paramref name="instanceId"/> scheduled, in order, as
    /// the task hub's tables on Azurite hold them (the engine <see cref="StartLocalHostAsync"/> runs).
    /// </summary>
    public static Task<List<string>> ScheduledActivitiesAsync(string taskHub, string instanceId) =>
        LatestGenerationEventsAsync(taskHub, instanceId, "TaskScheduled", row => row.GetString("Name") ?? "?");

    /// <summary>The fire times of the durable timers the latest generation of <paramref name="instanceId"/> created, in order.</summary>
    public static Task<List<DateTimeOffset>> CreatedTimersAsync(string taskHub, string instanceId) =>
        LatestGenerationEventsAsync(taskHub, instanceId, "TimerCreated", row => row.GetDateTimeOffset("FireAt") ?? DateTimeOffset.MinValue);

    private static async Task<List<T>> LatestGenerationEventsAsync<T>(string taskHub, string instanceId, string eventType, Func<Azure.Data.Tables.TableEntity, T> select)
    {
        var instance = await new Azure.Data.Tables.TableClient(AzuriteConnectionString, taskHub + "Instances")
            .GetEntityAsync<Azure.Data.Tables.TableEntity>(instanceId, string.Empty);
        var execution = instance.Value.GetString("ExecutionId");
        var rows = new List<(int EventId, T Value)>();
        var history = new Azure.Data.Tables.TableClient(AzuriteConnectionString, taskHub + "History");
        await foreach (var row in history.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == instanceId))
        {
            if (row.GetString("EventType") == eventType && row.GetString("ExecutionId") == execution)
            {
                rows.Add((row.GetInt32("EventId") ?? -1, select(row)));
            }
        }

        return [.. rows.OrderBy(r => r.EventId).Select(r => r.Value)];
    }

    /// <summary>The same services the hosts get, for calling activities directly.</summary>
    public ServiceProvider BuildServices(Action<ExecutorOptions>? executor = null)
    {
        var services = new ServiceCollection();
        ConfigureServices(services, executor, null);
        return services.BuildServiceProvider();
    }

    private void ConfigureServices(IServiceCollection services, Action<ExecutorOptions>? executor, Action<IServiceCollection>? more)
    {
        services.AddLogging();
        more?.Invoke(services);
        services.AddDrainServices(
            new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(Url, null, ct)),
            snapshots =>
            {
                snapshots.ConnectionString = AzuriteConnectionString;
                snapshots.ContainerName = ContainerName;
                snapshots.Backlog = Url.Backlog.Canonical;
                snapshots.LogFlushInterval = TimeSpan.FromMilliseconds(250);
            },
            options =>
            {
                options.Kind = "process";
                options.CommandTemplate = Template;
                options.Workspace = Directory;
                options.DatabaseUrl = DatabaseUrl;
                options.StopPollInterval = TimeSpan.FromMilliseconds(250);
                options.SettleTimeout = TimeSpan.FromSeconds(1);
                options.SettlePoll = TimeSpan.FromMilliseconds(100);
                executor?.Invoke(options);
            });
    }

    /// <summary>
    /// The engine the CLI runs (DurableTask.AzureStorage over Azurite, our sidecar): its activity
    /// concurrency is ours to set, where the in-process test engine allows one per core, too few
    /// for the executors and the calls that stop them of a parallel drain.
    /// </summary>
    public Task<LocalDurableHost> StartLocalHostAsync(Action<ExecutorOptions>? executor = null, string? taskHub = null) =>
        LocalDurableHost.StartAsync(
            new LocalHostOptions
            {
                StorageConnectionString = AzuriteConnectionString,
                TaskHubName = taskHub ?? "t" + Guid.NewGuid().ToString("N")[..16],
                WorkerId = "durable-tests",
            },
            registry => registry.AddDrainTasks(),
            services => ConfigureServices(services, executor, null),
            Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(LogPath))));

    public Task<DurableTaskTestHost> StartHostAsync(Action<ExecutorOptions>? executor = null, Action<IServiceCollection>? services = null) =>
        DurableTaskTestHost.StartAsync(
            registry => registry.AddDrainTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = collection => ConfigureServices(collection, executor, services),
                LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(LogPath))),
            });

    public static Task<(DrainSummaryOutput Output, OrchestrationMetadata Metadata)> RunAsync(
        DurableTaskTestHost host, DrainOrchestrationInput input, TimeSpan? timeout = null) => RunAsync(host.Client, input, timeout);

    public static async Task<(DrainSummaryOutput Output, OrchestrationMetadata Metadata)> RunAsync(
        DurableTaskClient client, DrainOrchestrationInput input, TimeSpan? timeout = null)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input);
        return await CompleteAsync(client, id, timeout);
    }

    public static Task<(DrainSummaryOutput Output, OrchestrationMetadata Metadata)> CompleteAsync(
        DurableTaskTestHost host, string instanceId, TimeSpan? timeout = null) => CompleteAsync(host.Client, instanceId, timeout);

    public static async Task<(DrainSummaryOutput Output, OrchestrationMetadata Metadata)> CompleteAsync(
        DurableTaskClient client, string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        OrchestrationMetadata metadata;
        try
        {
            metadata = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
        }
        catch (OperationCanceledException)
        {
            var stuck = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            throw new TimeoutException($"orchestration did not complete: {stuck?.RuntimeStatus} status={stuck?.SerializedCustomStatus}");
        }

        Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"orchestration ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorType} {metadata.FailureDetails?.ErrorMessage}\n{metadata.FailureDetails?.StackTrace}");
        return (metadata.ReadOutputAs<DrainSummaryOutput>()!, metadata);
    }

    public async Task<string?> ReadBlobAsync(string name)
    {
        var store = new BlobSessionStore(new BlobServiceClient(AzuriteConnectionString),
            Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ContainerName = ContainerName }));
        return await store.ReadTextAsync(name);
    }

    public async Task<DrainSession> ReadSessionAsync(string sessionId)
    {
        var json = await ReadBlobAsync(BlobSessionStore.SessionBlobName(sessionId));
        Assert.NotNull(json);
        return SessionJson.Parse(json!, sessionId);
    }

    public async Task<List<string>> ListBlobsAsync()
    {
        var names = new List<string>();
        if (!(await Blobs.ExistsAsync()).Value)
        {
            return names;
        }

        await foreach (var item in Blobs.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Blobs.DeleteIfExistsAsync();
        }
        catch (Azure.RequestFailedException)
        {
            // best effort
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a killed process may still hold a file for a moment
        }
    }
}

/// <summary>Orchestration tests share the machine's two cores and real processes: run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DurableSerialGroup
{
    public const string Name = "durable";
}
