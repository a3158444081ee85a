using DurableTask.AzureStorage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.LocalHost;

/// <summary>
/// Runs orchestrations and activities on the Durable Task engine with the Azure Storage backend,
/// the same backend Durable Functions uses by default, without the Functions host: DurableTask.Core's
/// worker over <see cref="AzureStorageOrchestrationService"/> runs the SDK's orchestrators and
/// activities (<see cref="TaskHubWorkerService"/>), and the SDK's client API is the same backend's
/// (<see cref="TaskHubClient"/>), all in this process. Durable state lives in the storage account,
/// so a killed host resumes where its history stands.
/// </summary>
public sealed class LocalDurableHost : IAsyncDisposable
{
    private readonly IHost worker;
    private readonly TaskHubEngine engine;
    private bool workerStarted;

    private LocalDurableHost(IHost worker, TaskHubEngine engine)
    {
        this.worker = worker;
        this.engine = engine;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
        Ready = Task.CompletedTask;
    }

    public DurableTaskClient Client { get; }

    /// <summary>
    /// Completes once the task hub exists and the worker runs (<see cref="Begin"/>); faults with
    /// what stopped them. Calls of <see cref="Client"/> made before wait for the task hub.
    /// </summary>
    public Task Ready { get; private set; }

    /// <summary>The worker's services, where activities and handlers resolve their dependencies.</summary>
    public IServiceProvider Services => worker.Services;

    public static async Task<LocalDurableHost> StartAsync(
        LocalHostOptions options,
        Action<DurableTaskRegistry> registerTasks,
        Action<IServiceCollection>? configureServices = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default) =>
        await StartAsync(options, registerTasks, configureServices, loggerFactory, clientOnly: false, cancellationToken);

    /// <summary>
    /// A client of the task hub and nothing else: no worker runs, so a command that reads or
    /// signals drains (status, cancel, logs) never picks up a drain's work, however briefly it runs.
    /// </summary>
    public static Task<LocalDurableHost> StartClientAsync(LocalHostOptions options, Action<IServiceCollection>? configureServices = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, _ => { }, configureServices, loggerFactory, clientOnly: true, cancellationToken);

    private static async Task<LocalDurableHost> StartAsync(
        LocalHostOptions options,
        Action<DurableTaskRegistry> registerTasks,
        Action<IServiceCollection>? configureServices,
        ILoggerFactory? loggerFactory,
        bool clientOnly,
        CancellationToken cancellationToken)
    {
        var host = Begin(options, registerTasks, configureServices, loggerFactory, clientOnly, cancellationToken: cancellationToken);
        try
        {
            await host.Ready;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>
    /// The host with its services built and its start under way (<see cref="Ready"/>): work that
    /// needs only the worker's services (storage, the backlog) can be done while the engine starts,
    /// and client calls wait for the task hub. The caller awaits <see cref="Ready"/> (a failed start
    /// surfaces there) and disposes the host in every case.
    /// </summary>
    public static LocalDurableHost Begin(
        LocalHostOptions options,
        Action<DurableTaskRegistry> registerTasks,
        Action<IServiceCollection>? configureServices = null,
        ILoggerFactory? loggerFactory = null,
        bool clientOnly = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registerTasks);
        options.Validate();
        loggerFactory ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
            WorkerId = options.WorkerId,
            PartitionCount = 1,
            ControlQueueVisibilityTimeout = options.VisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.VisibilityTimeout,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            LoggerFactory = loggerFactory,
        });

        // The task hub's creation check (queues, tables and containers) runs off the caller's path:
        // the worker's services are built, and usable, while it runs; the client and the worker wait for it.
        var hubReady = Task.Run(service.CreateIfNotExistsAsync, CancellationToken.None);
        var engine = new TaskHubEngine(service, hubReady);
        var worker = CreateHostBuilder()
            .ConfigureLogging(logging => ReplaceLogging(logging, loggerFactory))
            .ConfigureHostOptions(host => host.ShutdownTimeout = options.ShutdownTimeout)
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHostLifetime, ManualLifetime>();
                services.AddSingleton(engine);
                configureServices?.Invoke(services);
                services.AddSingleton<DurableTaskClient>(new TaskHubClient(service, hubReady, JsonDataConverter.Default));
                if (clientOnly)
                {
                    return;
                }

                services.AddDurableTaskWorker(builder =>
                {
                    builder.UseBuildTarget<TaskHubWorkerService>();
                    builder.AddTasks(registerTasks);
                    builder.Configure(worker => worker.MaximumTimerInterval = TimeSpan.FromDays(3));
                });
            })
            .Build();
        var host = new LocalDurableHost(worker, engine);
        host.Ready = host.StartAsync(hubReady, clientOnly, cancellationToken);
        return host;
    }

    private async Task StartAsync(Task hubReady, bool clientOnly, CancellationToken cancellationToken)
    {
        await hubReady;
        if (!clientOnly)
        {
            workerStarted = true;
            await worker.StartAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Deletes a task hub's queues, tables and leases, so that the next host starts with no
    /// orchestrations at all (used by the demo, whose backlog is new every time).
    /// </summary>
    public static async Task DeleteTaskHubAsync(LocalHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
            LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });
        await service.DeleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // A start still under way is waited for (its failure was the caller's to see at Ready).
        await Ready.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (workerStarted)
        {
            await worker.StopAsync();
        }

        worker.Dispose();

        // The backend gives its lease up in the background (DetachedStopOrchestrationService).
        _ = engine.WorkerService.Stopping.ContinueWith(
            stop =>
            {
                _ = stop.Exception;
                engine.Service.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    /// <summary>
    /// The default console lifetime stops a host on Ctrl-C and SIGTERM; the drain gives those
    /// signals its own meaning (stop after the phase, then stop the phase), so the hosts stop only
    /// when disposed.
    /// </summary>
    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// The default host builder without its configuration watch: with reloadOnChange it watched the
    /// working directory recursively (inotify on every folder below it), which cost the command line
    /// about 0.2 s before the first phase when run from a checkout with node_modules, and more in a
    /// big workspace (issue 17). Configuration is still read once, as before.
    /// </summary>
    private static IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder().ConfigureHostConfiguration(config =>
            config.AddInMemoryCollection([new KeyValuePair<string, string?>("hostBuilder:reloadConfigOnChange", "false")]));

    private static void ReplaceLogging(ILoggingBuilder logging, ILoggerFactory loggerFactory)
    {
        logging.ClearProviders();
        logging.Services.AddSingleton(loggerFactory);
    }
}
