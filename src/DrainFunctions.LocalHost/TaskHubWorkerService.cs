using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.LocalHost;

/// <summary>
/// The engine the local host runs: DurableTask.Core's <see cref="TaskHubWorker"/> over the Azure
/// Storage backend, dispatching straight to the SDK's orchestrators and activities through the
/// SDK's own shims (the adapter the Durable Functions extension hosts them with). Before this the
/// same backend was served through an in-process gRPC sidecar (Kestrel, HTTP/2, protobuf): every
/// work item crossed it twice, and its stack was about 30 MB of a drain's 225 MB peak (issue 17).
/// </summary>
internal sealed class TaskHubWorkerService : DurableTaskWorker
{
    private readonly TaskHubEngine engine;
    private readonly TaskHubWorker worker;
    private bool started;

    public TaskHubWorkerService(
        string name,
        IDurableTaskFactory factory,
        TaskHubEngine engine,
        IOptionsMonitor<DurableTaskWorkerOptions> options,
        IServiceProvider services,
        ILoggerFactory loggerFactory)
        : base(name, factory)
    {
        this.engine = engine;
        var shims = new DurableTaskShimFactory(options.Get(name), loggerFactory);
        worker = new TaskHubWorker(
            engine.WorkerService,
            new Orchestrations(factory, shims, services),
            new Activities(factory, shims, services),
            loggerFactory)
        {
            // The SDK's orchestrators read an activity's failure as TaskFailureDetails.
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await engine.HubReady.WaitAsync(cancellationToken);
        started = true;
        await worker.StartAsync();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (started)
        {
            // Forced: work in flight is not waited for (the durable state keeps it; a phase's own
            // stop is the drain's business), and the dispatchers' idle polls end at once. The
            // completions already under way are (DetachedStopOrchestrationService).
            await worker.StopAsync(isForced: true);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    public override void Dispose()
    {
        worker.Dispose();
        base.Dispose();
    }

    /// <summary>An orchestrator made for each work item, as the SDK's workers make them.</summary>
    private sealed class Orchestrations(IDurableTaskFactory factory, DurableTaskShimFactory shims, IServiceProvider services)
        : INameVersionObjectManager<TaskOrchestration>
    {
        public void Add(ObjectCreator<TaskOrchestration> creator) => throw new NotSupportedException("orchestrators are registered with the SDK's registry");

        public TaskOrchestration? GetObject(string name, string? version) =>
            factory.TryCreateOrchestrator(new TaskName(name), services, out var orchestrator) ? shims.CreateOrchestration(new TaskName(name), orchestrator) : null;
    }

    /// <summary>An activity made in its own service scope, disposed when it has run.</summary>
    private sealed class Activities(IDurableTaskFactory factory, DurableTaskShimFactory shims, IServiceProvider services)
        : INameVersionObjectManager<TaskActivity>
    {
        public void Add(ObjectCreator<TaskActivity> creator) => throw new NotSupportedException("activities are registered with the SDK's registry");

        // An unknown name fails the call when it runs, as the SDK's workers fail it.
        public TaskActivity GetObject(string name, string? version) => new ScopedActivity(new TaskName(name), factory, shims, services);
    }

    private sealed class ScopedActivity(TaskName name, IDurableTaskFactory factory, DurableTaskShimFactory shims, IServiceProvider services) : TaskActivity
    {
        public override string Run(TaskContext context, string input) => throw new NotSupportedException("activities run asynchronously");

        public override async Task<string> RunAsync(TaskContext context, string input)
        {
            await using var scope = services.CreateAsyncScope();
            if (!factory.TryCreateActivity(name, scope.ServiceProvider, out var activity))
            {
                throw new InvalidOperationException($"no activity named '{name.Name}' is registered");
            }

            return await shims.CreateActivity(name, activity).RunAsync(context, input);
        }
    }
}

/// <summary>
/// The backend the worker and the client share, and whether its task hub exists yet: both wait
/// for <see cref="HubReady"/> before their first request. The worker sees it as
/// <see cref="WorkerService"/>, whose stop is not waited for; the worker stops the backend only if
/// it started it (a stop before a start threw on a thread-pool thread and ended the process).
/// </summary>
internal sealed record TaskHubEngine(AzureStorageOrchestrationService Service, Task HubReady)
{
    public DetachedStopOrchestrationService WorkerService { get; } = new(Service);
}
