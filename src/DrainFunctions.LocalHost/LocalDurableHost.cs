using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.LocalHost;

/// <summary>
/// Runs orchestrations and activities on the Durable Task engine with the Azure Storage backend,
/// the same backend Durable Functions uses by default, without the Functions host: a gRPC
/// sidecar (the SDK's <see cref="TaskHubGrpcServer"/>) over
/// <see cref="AzureStorageOrchestrationService"/>, and a worker and a client connected to it.
/// Durable state lives in the storage account, so a killed host resumes where its history stands.
/// </summary>
public sealed class LocalDurableHost : IAsyncDisposable
{
    private readonly IHost sidecar;
    private readonly IHost worker;
    private readonly GrpcChannel channel;

    private LocalDurableHost(IHost sidecar, IHost worker, GrpcChannel channel)
    {
        this.sidecar = sidecar;
        this.worker = worker;
        this.channel = channel;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
    }

    public DurableTaskClient Client { get; }

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
    /// A client of the task hub and nothing else: its sidecar serves the client's API only and no
    /// worker runs, so a command that reads or signals drains (status, cancel, logs) never picks up
    /// a drain's work, however briefly it runs.
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
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registerTasks);
        options.Validate();
        loggerFactory ??= Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

        var settings = new AzureStorageOrchestrationServiceSettings
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
        };
        var service = new AzureStorageOrchestrationService(settings);

        // The task hub's queues, tables and containers are checked while the sidecar is built (about
        // 50 ms each on a 2-core machine); the sidecar starts the engine, so it waits for them.
        var creating = service.CreateIfNotExistsAsync();

        // Port 0: Kestrel binds a free port itself. Picking one first and binding it later raced
        // with other processes on a busy machine ("address already in use").
        var sidecar = CreateHostBuilder()
            .ConfigureLogging(logging => ReplaceLogging(logging, loggerFactory))
            .ConfigureHostOptions(host => host.ShutdownTimeout = options.ShutdownTimeout)
            .ConfigureWebHostDefaults(web =>
            {
                web.UseUrls("http://127.0.0.1:0");
                web.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
                web.ConfigureServices(services =>
                {
                    services.AddSingleton<IHostLifetime, ManualLifetime>();
                    services.AddGrpc();
                    services.AddSingleton<IOrchestrationService>(service);
                    services.AddSingleton<IOrchestrationServiceClient>(service);
                    services.AddSingleton<TaskHubGrpcServer>();
                    services.Configure<TaskHubGrpcServerOptions>(server => server.Mode = clientOnly ? TaskHubGrpcServerMode.ApiServerOnly : TaskHubGrpcServerMode.ApiServerAndDispatcher);
                });
                web.Configure(app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(endpoints => endpoints.MapGrpcService<TaskHubGrpcServer>());
                });
            })
            .Build();
        try
        {
            await creating;
        }
        catch
        {
            sidecar.Dispose();
            throw;
        }

        await sidecar.StartAsync(cancellationToken);
        var address = sidecar.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

        var channel = GrpcChannel.ForAddress(address);
        var worker = CreateHostBuilder()
            .ConfigureLogging(logging => ReplaceLogging(logging, loggerFactory))
            .ConfigureHostOptions(host => host.ShutdownTimeout = options.ShutdownTimeout)
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHostLifetime, ManualLifetime>();
                configureServices?.Invoke(services);
                if (clientOnly)
                {
                    services.AddDurableTaskClient(builder =>
                    {
                        builder.UseGrpc(channel);
                        builder.RegisterDirectly();
                    });
                    return;
                }

                services.AddDurableTaskWorker(builder =>
                {
                    builder.UseGrpc(grpc =>
                    {
                        grpc.Channel = channel;

                        // The in-process sidecar sends no health pings, so during a storage outage of
                        // more than 2 minutes (no work flows) the worker took its stream for dead and
                        // reconnected; the sidecar then lost the work in flight on the old stream (it
                        // matches answers by instance id) and a drain could hang after the outage.
                        // Over an in-process loopback channel a silent disconnect cannot happen.
                        grpc.SetSilentDisconnectTimeout(TimeSpan.Zero);
                    });
                    builder.AddTasks(registerTasks);
                    builder.Configure(worker => worker.MaximumTimerInterval = TimeSpan.FromDays(3));
                });
                services.AddDurableTaskClient(builder =>
                {
                    builder.UseGrpc(channel);
                    builder.RegisterDirectly();
                });
            })
            .Build();
        await worker.StartAsync(cancellationToken);
        return new LocalDurableHost(sidecar, worker, channel);
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
        await worker.StopAsync();
        worker.Dispose();
        await channel.ShutdownAsync();
        channel.Dispose();
        await sidecar.StopAsync();
        sidecar.Dispose();
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
