using System.Net.Sockets;
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
    private readonly IHost worker;
    private readonly GrpcChannel channel;
    private IHost? sidecar;
    private bool sidecarStarted;
    private bool workerStarted;

    private LocalDurableHost(IHost worker, GrpcChannel channel)
    {
        this.worker = worker;
        this.channel = channel;
        Client = worker.Services.GetRequiredService<DurableTaskClient>();
        Ready = Task.CompletedTask;
    }

    public DurableTaskClient Client { get; }

    /// <summary>
    /// Completes once the task hub exists and the sidecar and the worker run (<see cref="Begin"/>);
    /// faults with what stopped them. Calls of <see cref="Client"/> made before wait for the sidecar.
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
    /// and client calls wait for the sidecar. The caller awaits <see cref="Ready"/> (a failed start
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
        // The engine is made off the caller's path: the backend's service (about 70 ms of CPU to
        // construct on a 2-core machine), the task hub's creation check (queues, tables and
        // containers, checked while the sidecar's web host is built), the sidecar, which waits for them.
        var engine = Task.Run(
            () =>
            {
                var service = new AzureStorageOrchestrationService(settings);
                var creating = service.CreateIfNotExistsAsync();
                return (Sidecar: BuildSidecar(service, options, loggerFactory, clientOnly), Creating: creating);
            },
            CancellationToken.None);

        // The channel exists before the sidecar listens (its port is known only then): connections
        // wait for the address, so the worker's services are built, and usable, while it starts.
        var address = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = DeferredChannel(address.Task);
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
        var host = new LocalDurableHost(worker, channel);
        host.Ready = host.StartAsync(engine, address, cancellationToken);
        return host;
    }

    private async Task StartAsync(Task<(IHost Sidecar, Task Creating)> engine, TaskCompletionSource<Uri> address, CancellationToken cancellationToken)
    {
        try
        {
            var (built, creating) = await engine;
            sidecar = built;
            await creating;
            sidecarStarted = true;
            await built.StartAsync(cancellationToken);
            address.TrySetResult(new Uri(built.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()));
            workerStarted = true;
            await worker.StartAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // Client calls waiting for the sidecar fail with the start's own failure.
            address.TrySetException(ex);
            throw;
        }
    }

    private static IHost BuildSidecar(AzureStorageOrchestrationService service, LocalHostOptions options, ILoggerFactory loggerFactory, bool clientOnly)
    {
        // Port 0: Kestrel binds a free port itself. Picking one first and binding it later raced
        // with other processes on a busy machine ("address already in use").
        return CreateHostBuilder()
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
                    services.AddSingleton<IOrchestrationService>(new StopAfterStartOrchestrationService(service));
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
    }

    /// <summary>A gRPC channel to the sidecar whose connections wait until <paramref name="address"/> is known.</summary>
    private static GrpcChannel DeferredChannel(Task<Uri> address) =>
        GrpcChannel.ForAddress("http://127.0.0.1", new GrpcChannelOptions
        {
            DisposeHttpClient = true,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var sidecar = await address.WaitAsync(cancellationToken);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(sidecar.Host, sidecar.Port, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            },
        });

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
        await channel.ShutdownAsync();
        channel.Dispose();
        if (sidecarStarted)
        {
            await sidecar!.StopAsync();
        }

        sidecar?.Dispose();
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
