using DrainFunctions.Core.Options;
using DrainFunctions.Core.Ports;
using DrainFunctions.Data;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using DrainFunctions.LocalHost;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Local;

/// <summary>The drain's orchestrator and activities on the local durable host (Azure Storage backend on Azurite).</summary>
public sealed class LocalDrainHost : IAsyncDisposable
{
    private readonly AzuriteLauncher azurite;
    private readonly LocalDurableHost host;

    /// <summary>The drains' executor calls run in this process and start the executor here (not a client-only host, not the agent kind).</summary>
    private readonly bool runsExecutorsHere;

    private LocalDrainHost(AzuriteLauncher azurite, LocalDurableHost host, bool runsExecutorsHere)
    {
        this.azurite = azurite;
        this.host = host;
        this.runsExecutorsHere = runsExecutorsHere;
    }

    public DurableTaskClient Client => host.Client;

    public BlobSessionStore Sessions => host.Services.GetRequiredService<BlobSessionStore>();

    public DrainFunctions.Durable.Ledger.BlobLedgerStore Ledger => host.Services.GetRequiredService<DrainFunctions.Durable.Ledger.BlobLedgerStore>();

    public DrainLockStore Locks => host.Services.GetRequiredService<DrainLockStore>();

    /// <summary>Settings of the executor from the command line.</summary>
    public sealed record ExecutorSettings(string Kind, string? CommandTemplate, string? Workspace, string? ApiUrl, double DemoTimeScale, bool VerifyExecutable = true)
    {
        /// <summary>Executor kind agent: silence after which an agent's phase is lost (null: the default).</summary>
        public TimeSpan? HeartbeatTimeout { get; init; }
    }

    /// <summary>The agents' side of this host's drains (executor kind agent).</summary>
    public DrainFunctions.Durable.Agents.AgentBroker Agents => host.Services.GetRequiredService<DrainFunctions.Durable.Agents.AgentBroker>();

    /// <summary>The drains of <paramref name="database"/> for every entry point, on this host.</summary>
    public DrainService Drains
    {
        get
        {
            var backlog = host.Services.GetRequiredService<IBacklogStoreFactory>();
            return new(Client, Sessions, Locks, previewer: new DrainPreviewer(backlog, Ledger, sessions: Sessions), restorer: new PhaseRestorer(host.Services),
                firstSave: new SaveSessionSnapshot(Sessions, Ledger, backlog, Locks), finished: host.Services.GetRequiredService<FinishedSessionSignal>(),
                firstAttempt: runsExecutorsHere ? new FirstAttemptStarter(host.Services) : null);
        }
    }

    private const string LedgerFromBlobs = "read from blob storage";
    private const string NoStorage = "off: no storage touched";

    /// <summary>
    /// Dry runs of <paramref name="database"/> without a durable host: a preview reads the backlog
    /// and, with the ledger on, the ledger's blobs (Azurite is started for that when it is not
    /// running); with the ledger off it needs no storage at all. Dispose the launcher after the run.
    /// </summary>
    /// <param name="readsHistory">The preview orders by <c>--prioritize yield|forecast</c>: the stored sessions are read too.</param>
    public static async Task<(AzuriteLauncher? Azurite, DrainPreviewer Previewer)> OpenPreviewerAsync(LocalEnvironment environment, DatabaseUrl database, bool ledgerEnabled, TextWriter progress, bool readsHistory = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var backlog = new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(database, null, ct));
        var log = Parsing.CliLogging.Current.CreateLogger("DrainFunctions.Cli.Preview");
        PreviewLog.InProcess(log, ledgerEnabled ? LedgerFromBlobs : NoStorage);
        if (!ledgerEnabled && !readsHistory)
        {
            return (null, new DrainPreviewer(backlog, null));
        }

        var (azurite, options) = await OpenStorageAsync(environment, progress, database.Backlog, cancellationToken);
        var ledger = new DrainFunctions.Durable.Ledger.BlobLedgerStore(DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options));
        var sessions = readsHistory ? new BlobSessionStore(DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options)) : null;
        return (azurite, new DrainPreviewer(backlog, ledger, sessions: sessions));
    }

    /// <summary>
    /// The task hub and storage of <paramref name="database"/>'s drains without a worker: for
    /// commands that read or signal drains (status, cancel, logs), which must never run a drain's
    /// phases themselves, not even for the moment they run.
    /// </summary>
    public static Task<LocalDrainHost> ConnectAsync(LocalEnvironment environment, DatabaseUrl database, TextWriter progress, CancellationToken cancellationToken = default) =>
        StartAsync(environment, database, new ExecutorSettings("demo", null, null, null, 1.0, VerifyExecutable: false), progress, clientOnly: true, cancellationToken);

    public static Task<LocalDrainHost> StartAsync(LocalEnvironment environment, DatabaseUrl database, ExecutorSettings executor, TextWriter progress, CancellationToken cancellationToken = default) =>
        StartAsync(environment, database, executor, progress, clientOnly: false, cancellationToken);

    /// <summary>
    /// As <see cref="StartAsync(LocalEnvironment, DatabaseUrl, ExecutorSettings, TextWriter, CancellationToken)"/>,
    /// returning once the services are built, the engine still starting (<see cref="Ready"/>): a
    /// drain's start does its storage work meanwhile (issue 17).
    /// </summary>
    public static Task<LocalDrainHost> BeginAsync(LocalEnvironment environment, DatabaseUrl database, ExecutorSettings executor, TextWriter progress, CancellationToken cancellationToken = default) =>
        StartAsync(environment, database, executor, progress, clientOnly: false, cancellationToken, waitUntilReady: false);

    /// <summary>Completes when the durable host runs; faults with what stopped its start.</summary>
    public Task Ready => host.Ready;

    private static async Task<LocalDrainHost> StartAsync(LocalEnvironment environment, DatabaseUrl database, ExecutorSettings executor, TextWriter progress, bool clientOnly, CancellationToken cancellationToken, bool waitUntilReady = true)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(executor);
        var options = new LocalHostOptions
        {
            StorageConnectionString = environment.StorageConnectionString,
            TaskHubName = environment.TaskHubName,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            // A setting of the environment (DURABLE_TASK_HUB_NAME, AzureWebJobsStorage): bad input, before anything starts.
            throw new UsageException(ex.Message);
        }

        var azurite = await AzuriteLauncher.EnsureRunningAsync(environment.StorageConnectionString, environment.RepositoryRoot, environment.AzuriteDataFolder, progress, cancellationToken);
        try
        {
            Action<IServiceCollection> services = services => services.Configure<DrainFunctions.Durable.Agents.AgentOptions>(agents =>
            {
                agents.QueueName = DrainFunctions.Durable.Agents.AgentOptions.QueueNameFor(environment.TaskHubName);
                if (executor.HeartbeatTimeout is { } heartbeat)
                {
                    agents.HeartbeatTimeout = heartbeat;
                }
            }).AddDrainServices(
                    new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(database, null, ct)),
                    snapshots =>
                    {
                        snapshots.ConnectionString = environment.StorageConnectionString;
                        snapshots.ContainerName = environment.SessionContainer;
                        snapshots.Backlog = database.Backlog.Canonical;
                    },
                    exec =>
                    {
                        exec.Kind = executor.Kind;
                        exec.CommandTemplate = executor.CommandTemplate ?? ExecutorOptions.DefaultTemplate;
                        exec.Workspace = executor.Workspace ?? Directory.GetCurrentDirectory();
                        exec.DatabaseUrl = ForExecutor(database);
                        exec.ApiUrl = executor.ApiUrl;
                        exec.DemoExecutorPath = environment.DemoExecutorPath;
                        exec.DemoTimeScale = executor.DemoTimeScale;
                        exec.VerifyExecutable = executor.VerifyExecutable;
                    });
            var host = clientOnly
                ? await LocalDurableHost.StartClientAsync(options, services, Parsing.CliLogging.Current, cancellationToken)
                : waitUntilReady
                    ? await LocalDurableHost.StartAsync(options, registry => registry.AddDrainTasks(), services, Parsing.CliLogging.Current, cancellationToken)
                    : LocalDurableHost.Begin(options, registry => registry.AddDrainTasks(), services, Parsing.CliLogging.Current, cancellationToken: cancellationToken);
            return new LocalDrainHost(azurite, host, runsExecutorsHere: !clientOnly && executor.Kind != ExecutorOptions.AgentKind);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The session store alone, for commands that only read sessions (no durable host), scoped to
    /// <paramref name="backlog"/> (null: every backlog's sessions).
    /// </summary>
    public static async Task<(AzuriteLauncher Azurite, BlobSessionStore Store)> OpenSessionsAsync(LocalEnvironment environment, TextWriter progress, BacklogIdentity? backlog = null, CancellationToken cancellationToken = default)
    {
        var (azurite, options) = await OpenStorageAsync(environment, progress, backlog, cancellationToken);
        return (azurite, new BlobSessionStore(DrainRegistration.CreateBlobServiceClient(options), Microsoft.Extensions.Options.Options.Create(options)));
    }

    /// <summary>Azurite when it is needed, and the snapshot options of <paramref name="backlog"/> (null: unscoped).</summary>
    public static async Task<(AzuriteLauncher Azurite, SnapshotOptions Options)> OpenStorageAsync(LocalEnvironment environment, TextWriter progress, BacklogIdentity? backlog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var azurite = await AzuriteLauncher.EnsureRunningAsync(environment.StorageConnectionString, environment.RepositoryRoot, environment.AzuriteDataFolder, progress, cancellationToken);
        var options = new SnapshotOptions { ConnectionString = environment.StorageConnectionString, ContainerName = environment.SessionContainer, Backlog = backlog?.Canonical };
        return (azurite, options);
    }

    /// <summary>
    /// DATABASE_URL for the executor, which runs in the workspace: a relative SQLite path would
    /// point elsewhere there, so SQLite gets its absolute form.
    /// </summary>
    public static string ForExecutor(DatabaseUrl database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.Kind == DatabaseKind.Sqlite
            ? "sqlite:///" + database.SqlitePath
            : Environment.GetEnvironmentVariable(DatabaseUrl.EnvironmentVariable) ?? throw new InvalidOperationException("DATABASE_URL is not set");
    }

    public async ValueTask DisposeAsync()
    {
        await host.DisposeAsync();
        await azurite.DisposeAsync();
    }
}
