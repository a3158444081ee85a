using Azure.Storage.Blobs;
using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Options;

namespace DrainFunctions.App.Tests;

/// <summary>
/// One test's world: a SQLite backlog (demo or hand-made), an Azurite container, a scripted
/// executor and the in-process Durable Task host running the library's orchestrator and activities.
/// The script: runs whose id starts with <c>det-</c> fail with a fixed reason; otherwise, when
/// the file <c>hang</c> exists the phase hangs, else it completes with one telemetry row.
/// </summary>
public sealed class AppBed : IAsyncDisposable
{
    public const string FixedReason = "ImportError at line 12: cannot import module from /app/src/mod.py:45";

    private AppBed()
    {
        Directory = Path.Combine(Path.GetTempPath(), "drain-app-tests", Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        DatabaseUrl = "sqlite:///" + Path.Combine(Directory, "autopack.db");
        ContainerName = "a-" + Guid.NewGuid().ToString("N")[..20];
        var demo = Path.Combine(AppContext.BaseDirectory, "DrainFunctions.DemoExecutor.dll");
        Script = Path.Combine(Directory, "executor.sh");
        File.WriteAllText(Script, $$"""
            #!/usr/bin/env bash
            run="$1"; phase="$2"
            case "$run" in
              det-*) echo "failing $phase"; exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome fail --reason '{{FixedReason}}' ;;
            esac
            if [ -f '{{Directory}}/hang' ]; then exec sleep 600; fi
            exec dotnet '{{demo}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        var service = new BlobServiceClient(Azurite);
        var snapshot = Options.Create(new SnapshotOptions { ContainerName = ContainerName, Backlog = Backlog });
        Sessions = new BlobSessionStore(service, snapshot);
        Ledger = new BlobLedgerStore(service, snapshot);
        Locks = new DrainLockStore(service, snapshot);
    }

    /// <summary>Azurite, started by scripts/services.sh; never skipped when missing.</summary>
    public static string Azurite =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "DRAIN_TEST_AZURITE is not set: these tests need Azurite. Run ./scripts/test.sh, or: source scripts/services.sh && start_azurite && dotnet test tests/DrainFunctions.App.Tests -c Release; stop_services");

    public string Directory { get; }

    public string DatabaseUrl { get; }


    /// <summary>The backlog identity of <see cref="DatabaseUrl"/>: what the app scopes sessions and the ledger by.</summary>

    public string Backlog => Data.DatabaseUrl.Parse(DatabaseUrl).Backlog.Canonical;

    public string ContainerName { get; }

    public string Script { get; }

    public BlobSessionStore Sessions { get; }

    public BlobLedgerStore Ledger { get; }

    public DrainLockStore Locks { get; }

    /// <summary>The scheduled drain as the timer function builds it.</summary>
    public ScheduledDrain Timer => new(Drains, Defaults);

    /// <summary>The drain service every entry point uses.</summary>
    public DrainService Drains => DrainsAt(TimeProvider.System);

    /// <summary>
    /// The drain service on <paramref name="clock"/>, as the HTTP functions build it: forced stops
    /// restore with the host's activity services, and a new session's first save is made at the start.
    /// </summary>
    public DrainService DrainsAt(TimeProvider clock) => DrainsAt(clock, Data.DatabaseUrl.Parse(DatabaseUrl));

    /// <summary>The same, with the starter's first save reading <paramref name="starterBacklog"/>.</summary>
    public DrainService DrainsAt(TimeProvider clock, Data.DatabaseUrl starterBacklog)
    {
        var backlog = new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(Data.DatabaseUrl.Parse(DatabaseUrl), null, ct));
        var starter = new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(starterBacklog, null, ct));
        return new(Client, Sessions, Locks, clock, new DrainPreviewer(backlog, Ledger), new PhaseRestorer(Host.Services), new SaveSessionSnapshot(Sessions, Ledger, starter, Locks));
    }

    public DurableTaskTestHost Host { get; private set; } = null!;

    public DurableTaskClient Client => Host.Client;

    public DrainOptions Defaults { get; set; } = new() { BatchSize = 3, PhaseTimeoutSeconds = 120 };

    public DrainApi Api => new(Drains, Ledger, Defaults) { PreviewWait = TimeSpan.FromSeconds(60) };

    public void Hang(bool on)
    {
        var file = Path.Combine(Directory, "hang");
        if (on)
        {
            File.WriteAllText(file, "1");
        }
        else
        {
            File.Delete(file);
        }
    }

    /// <summary>A bed with the demo backlog (<paramref name="demo"/>) or an empty schema.</summary>
    public static async Task<AppBed> StartAsync(bool demo = true)
    {
        _ = Azurite;
        var bed = new AppBed();
        await using (var admin = await BacklogAdmin.OpenAsync(Data.DatabaseUrl.Parse(bed.DatabaseUrl)))
        {
            await admin.InitSchemaAsync();
            if (demo)
            {
                await admin.SeedDemoAsync();
            }
        }

        bed.Host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddDrainTasks(),
            new DurableTaskTestHostOptions
            {
                ConfigureServices = services =>
                {
                    Microsoft.Extensions.DependencyInjection.OptionsServiceCollectionExtensions.Configure<Durable.Agents.AgentOptions>(services, a => a.QueueName = Durable.Agents.AgentOptions.QueueNameFor(bed.ContainerName));
                    services.AddDrainServices(
                        new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(Data.DatabaseUrl.Parse(bed.DatabaseUrl), null, ct)),
                        s =>
                        {
                            s.ConnectionString = Azurite;
                            s.ContainerName = bed.ContainerName;
                            s.Backlog = bed.Backlog;
                            s.LogFlushInterval = TimeSpan.FromMilliseconds(250);
                        },
                        e =>
                        {
                            e.Kind = "process";
                            e.CommandTemplate = $"bash '{bed.Script}' {{run_id}} {{phase_id}}";
                            e.Workspace = bed.Directory;
                            e.DatabaseUrl = bed.DatabaseUrl;
                            e.StopPollInterval = TimeSpan.FromMilliseconds(250);
                            e.SettleTimeout = TimeSpan.FromSeconds(1);
                            e.SettlePoll = TimeSpan.FromMilliseconds(100);
                        });
                },
            });
        return bed;
    }

    public async Task AddPhaseAsync(string runId, string phaseId, int index, string reason = FixedReason)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseUrl["sqlite:///".Length..]}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO runs (id, state, created_at, updated_at) VALUES (@r, 'RUN_CREATED', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
            INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at)
            VALUES (@p, @r, @i, @p, 'FAILED', @reason, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
            """;
        command.Parameters.AddWithValue("@p", phaseId);
        command.Parameters.AddWithValue("@r", runId);
        command.Parameters.AddWithValue("@i", index);
        command.Parameters.AddWithValue("@reason", reason);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A phase's state in the backlog.</summary>
    public async Task<string?> PhaseStateAsync(string runId, string phaseId)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseUrl["sqlite:///".Length..]}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM phases WHERE run_id = @r AND phase_id = @p";
        command.Parameters.AddWithValue("@r", runId);
        command.Parameters.AddWithValue("@p", phaseId);
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>Waits until the instance shows <paramref name="status"/>.</summary>
    public async Task WaitForStatusAsync(string instanceId, OrchestrationRuntimeStatus status, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if ((await Client.GetInstanceAsync(instanceId))?.RuntimeStatus == status)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{instanceId} did not become {status}");
    }

    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, int seconds = 90)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
    }

    /// <summary>Waits until the instance's custom status names a current phase (an executor is running).</summary>
    public async Task WaitForPhaseAsync(string instanceId, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            var m = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (m?.SerializedCustomStatus is { } s && m.ReadCustomStatusAs<DrainStatus>()?.CurrentPhase is not null)
            {
                await Task.Delay(1000);
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{instanceId} did not start a phase");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        try
        {
            await new BlobServiceClient(Azurite).GetBlobContainerClient(ContainerName).DeleteIfExistsAsync();
        }
        catch (Azure.RequestFailedException)
        {
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialGroup
{
    public const string Name = "app-serial";
}
