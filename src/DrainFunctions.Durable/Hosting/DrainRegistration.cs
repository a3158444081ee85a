using Azure.Core;
using Azure.Storage.Blobs;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Hosting;

public static class DrainRegistration
{
    /// <summary>The orchestrator and every activity, registered under their class names; each activity logs inside its session's scope.</summary>
    public static DurableTaskRegistry AddDrainTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddOrchestrator<DrainOrchestrator>();
        registry.AddActivity(nameof(SelectNextPhase), SessionScopedActivity.Create<SelectNextPhase>);
        registry.AddActivity(nameof(CaptureTelemetrySnapshot), SessionScopedActivity.Create<CaptureTelemetrySnapshot>);
        registry.AddActivity(nameof(RunPhaseExecutor), SessionScopedActivity.Create<RunPhaseExecutor>);
        registry.AddActivity(nameof(RestorePhase), SessionScopedActivity.Create<RestorePhase>);
        registry.AddActivity(nameof(SettlePhaseOutcome), SessionScopedActivity.Create<SettlePhaseOutcome>);
        registry.AddActivity(nameof(SaveSessionSnapshot), SessionScopedActivity.Create<SaveSessionSnapshot>);
        registry.AddActivity(nameof(FinishSession), SessionScopedActivity.Create<FinishSession>);
        registry.AddActivity(nameof(RecordLedgerEntry), SessionScopedActivity.Create<RecordLedgerEntry>);
        registry.AddActivity(nameof(RenewDrainLock), SessionScopedActivity.Create<RenewDrainLock>);
        registry.AddActivity(nameof(ReleaseDrainLock), SessionScopedActivity.Create<ReleaseDrainLock>);
        registry.AddActivity(nameof(CheckAgentWork), SessionScopedActivity.Create<CheckAgentWork>);
        registry.AddActivity(nameof(CheckPhaseProgress), SessionScopedActivity.Create<CheckPhaseProgress>);
        return registry;
    }

    /// <summary>
    /// The services the activities need: options (validated on start), the blob client (with
    /// retries), the session store, the executor, the attempt registry and the backlog store
    /// factory. <paramref name="configureSnapshots"/> / <paramref name="configureExecutor"/> run after
    /// any configuration binding the host did (<c>services.Configure&lt;T&gt;(section)</c>).
    /// </summary>
    public static IServiceCollection AddDrainServices(
        this IServiceCollection services,
        IBacklogStoreFactory stores,
        Action<SnapshotOptions>? configureSnapshots = null,
        Action<ExecutorOptions>? configureExecutor = null,
        TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(stores);
        var snapshots = services.AddOptions<SnapshotOptions>().ValidateOnStart();
        if (configureSnapshots is not null)
        {
            snapshots.Configure(configureSnapshots);
        }

        var executor = services.AddOptions<ExecutorOptions>().ValidateOnStart();
        if (configureExecutor is not null)
        {
            executor.Configure(configureExecutor);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SnapshotOptions>, SnapshotOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExecutorOptions>, ExecutorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ExecutorOptions>, ExecutorOptionsResolver>());
        services.TryAddSingleton(stores);
        services.TryAddSingleton(sp => CreateBlobServiceClient(sp.GetRequiredService<IOptions<SnapshotOptions>>().Value, credential));
        services.TryAddSingleton<BlobSessionStore>();
        services.TryAddSingleton(sp => new BlobLedgerStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<IOptions<SnapshotOptions>>()));
        services.TryAddSingleton(sp => new DrainLockStore(sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<IOptions<SnapshotOptions>>()));
        services.TryAddSingleton<AttemptRegistry>();
        services.TryAddSingleton<AttemptProcesses>();
        services.TryAddSingleton<AttemptSettler>();
        services.TryAddSingleton<SaveSessionSnapshot>();
        services.TryAddSingleton<ILogSinks, BlobLogSinks>();
        services.TryAddSingleton<IPhaseExecutor, ProcessExecutor>();

        // The agent pool: built on first use (executor kind agent, or the agents' routes).
        services.AddOptions<AgentOptions>().Validate(o => o.Validate().Count == 0, "Agents: invalid settings (QueueName, HeartbeatTimeout, ClaimWait, ClaimPoll)");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentWorkSignal>();
        services.TryAddSingleton<FinishedSessionSignal>();
        services.TryAddSingleton(sp => new AgentWorkLine(sp.GetRequiredService<IOptions<SnapshotOptions>>(), sp.GetRequiredService<IOptions<AgentOptions>>(), credential));
        services.TryAddSingleton<AgentDirectory>();
        services.TryAddSingleton<AgentBroker>();
        services.TryAddSingleton<AgentDispatcher>();
        return services;
    }

    /// <summary>A blob client with exponential retries for transient errors.</summary>
    public static BlobServiceClient CreateBlobServiceClient(SnapshotOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(20);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new BlobServiceClient(options.ConnectionString, clientOptions);
        }

        if (options.ServiceUri is not null && credential is not null)
        {
            // Identity-based: pass e.g. new DefaultAzureCredential() (Azure.Identity) from the host.
            return new BlobServiceClient(options.ServiceUri, credential, clientOptions);
        }

        throw new OptionsValidationException(nameof(SnapshotOptions), typeof(SnapshotOptions),
            ["Snapshots: set ConnectionString, or ServiceUri together with a TokenCredential."]);
    }
}
