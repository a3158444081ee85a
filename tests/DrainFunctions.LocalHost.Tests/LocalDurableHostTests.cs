using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.LocalHost.Tests;

public class LocalDurableHostTests
{
    private static LocalHostOptions Options(string hub) => new()
    {
        StorageConnectionString = TestStorage.ConnectionString,
        TaskHubName = hub,
        WorkerId = "test-" + hub,
    };

    [Fact]
    public async Task StartAsync_OrchestrationWithActivity_CompletesOnAzureStorageBackend()
    {
        await using var host = await LocalDurableHost.StartAsync(Options(TestStorage.NewTaskHub()), r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>());

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), "drain");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("hello drain, hello drain", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartAsync_HostStoppedWhileTimerPending_NewHostFinishesInstance()
    {
        var hub = TestStorage.NewTaskHub();
        string id;
        await using (var first = await LocalDurableHost.StartAsync(Options(hub), r => r.AddOrchestrator<WaitThenGreetOrchestrator>().AddActivity<GreetActivity>()))
        {
            id = await first.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitThenGreetOrchestrator), "again");
            using var started = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await first.Client.WaitForInstanceStartAsync(id, started.Token);
        }

        await using var second = await LocalDurableHost.StartAsync(Options(hub), r => r.AddOrchestrator<WaitThenGreetOrchestrator>().AddActivity<GreetActivity>());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var state = await second.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal("hello again", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Begin_ClientCallsBeforeTheEngineRuns_WaitForItAndAnswer()
    {
        // Storage held behind a gate: the task hub cannot be created before the call below is made
        // (racing a real Azurite, the hub was sometimes ready before Begin returned on a loaded machine).
        await using var storage = new GatedStorage(TestStorage.ConnectionString);
        var hub = TestStorage.NewTaskHub();
        var begun = Task.Run(() => LocalDurableHost.Begin(new LocalHostOptions { StorageConnectionString = storage.ConnectionString, TaskHubName = hub, WorkerId = "test-" + hub }, r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>()));

        // Begin returns while the task hub cannot be created: it does not wait for storage.
        await using var host = await begun.WaitAsync(TimeSpan.FromSeconds(30));
        var startedAtBegin = host.Ready.IsCompleted;

        // Made before the task hub exists: the call waits for it instead of failing.
        var scheduling = host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), "early");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var waitedForTheEngine = !host.Ready.IsCompleted && !scheduling.IsCompleted;
        storage.Open();
        var id = await scheduling;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.False(startedAtBegin);
        Assert.True(waitedForTheEngine);
        Assert.True(host.Ready.IsCompletedSuccessfully);
        Assert.Equal("hello early, hello early", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Begin_StorageUnreachable_ReadyFaultsAndWaitingClientCallsFailToo()
    {
        // Nothing listens on port 1: the task hub cannot be created, so the engine never starts.
        var hub = TestStorage.NewTaskHub();
        var options = new LocalHostOptions
        {
            TaskHubName = hub,
            WorkerId = "test-" + hub,
            StorageConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1",
        };
        var host = LocalDurableHost.Begin(options, r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>());
        var call = host.Client.GetInstanceAsync("never-answered");

        var startFailure = await Record.ExceptionAsync(() => host.Ready.WaitAsync(TimeSpan.FromMinutes(2)));

        // The call waiting for the task hub fails with the start (a TimeoutException: it waited on).
        var callFailure = await Record.ExceptionAsync(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        await host.DisposeAsync();
        Assert.NotNull(startFailure);
        Assert.IsNotType<TimeoutException>(startFailure);
        Assert.NotNull(callFailure);
        Assert.IsNotType<TimeoutException>(callFailure);
    }

    [Fact]
    public async Task StartAsync_ActivityThrows_OrchestratorReadsTheExceptionsTypeAndMessage()
    {
        await using var host = await LocalDurableHost.StartAsync(Options(TestStorage.NewTaskHub()), r => r.AddOrchestrator<CatchOrchestrator>().AddActivity<FailActivity>());

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(CatchOrchestrator), "storage away");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        // The drain's outage handling matches an activity's failure by its exception's type name.
        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"{typeof(StorageAwayException).FullName}: storage away", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task StartAsync_OrchestratorThrows_FailedWithTheExceptionInItsOutputOnlyWhenAskedFor()
    {
        await using var host = await LocalDurableHost.StartAsync(Options(TestStorage.NewTaskHub()), r => r.AddOrchestrator<ThrowOrchestrator>());

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ThrowOrchestrator), "broken");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        var plain = await host.Client.GetInstanceAsync(id);

        // The Azure Storage backend keeps a failure as the output ("type: message"), which the
        // command line prints when no failure details were kept.
        Assert.Equal(OrchestrationRuntimeStatus.Failed, state.RuntimeStatus);
        Assert.Equal($"{typeof(StorageAwayException).FullName}: broken", state.SerializedOutput);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, plain!.RuntimeStatus);
        Assert.Null(plain.SerializedOutput);
        Assert.Null(plain.SerializedInput);
    }

    [Fact]
    public async Task Client_EventsSuspendResumeTerminateQueryAndPurge_AnswerAsTheBackendRecords()
    {
        await using var host = await LocalDurableHost.StartAsync(Options(TestStorage.NewTaskHub()), r => r.AddOrchestrator<AwaitGoOrchestrator>());
        var client = host.Client;
        var prefix = "q" + Guid.NewGuid().ToString("N")[..8] + "-";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var resumed = await client.ScheduleNewOrchestrationInstanceAsync(nameof(AwaitGoOrchestrator), "in", new StartOrchestrationOptions(prefix + "resumed"), timeout.Token);
        var terminated = await client.ScheduleNewOrchestrationInstanceAsync(nameof(AwaitGoOrchestrator), "in", new StartOrchestrationOptions(prefix + "terminated"), timeout.Token);
        var running = await client.WaitForInstanceStartAsync(resumed, getInputsAndOutputs: true, timeout.Token);
        await WaitForStatusAsync(client, resumed, "waiting", timeout.Token);
        await client.SuspendInstanceAsync(resumed, "hold", timeout.Token);
        var suspended = await WaitForAsync(client, resumed, OrchestrationRuntimeStatus.Suspended, timeout.Token);
        await client.ResumeInstanceAsync(resumed, "go on", timeout.Token);
        await client.RaiseEventAsync(resumed, "go", "out", timeout.Token);
        var completed = await client.WaitForInstanceCompletionAsync(resumed, getInputsAndOutputs: true, timeout.Token);
        await client.TerminateInstanceAsync(terminated, "stopped", timeout.Token);
        var stopped = await client.WaitForInstanceCompletionAsync(terminated, getInputsAndOutputs: true, timeout.Token);
        var ended = new List<OrchestrationMetadata>();
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, Statuses = [OrchestrationRuntimeStatus.Completed], FetchInputsAndOutputs = true }))
        {
            ended.Add(instance);
        }

        var purged = await client.PurgeInstanceAsync(resumed, cancellation: timeout.Token);
        var gone = await client.GetInstanceAsync(resumed, timeout.Token);

        Assert.Equal("in", running.ReadInputAs<string>());
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, suspended.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);
        Assert.Equal("in out", completed.ReadOutputAs<string>());
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, stopped.RuntimeStatus);
        Assert.Equal("stopped", stopped.ReadOutputAs<string>());
        var listed = Assert.Single(ended);
        Assert.Equal(resumed, listed.InstanceId);
        Assert.Equal("in out", listed.ReadOutputAs<string>());
        Assert.Equal(1, purged.PurgedInstanceCount);
        Assert.Null(gone);
    }

    [Fact]
    public async Task StartAsync_ActivitiesWithScopedServices_EachCallHasItsOwnScopeDisposedAfterIt()
    {
        var scopes = new ScopeLog();
        await using var host = await LocalDurableHost.StartAsync(
            Options(TestStorage.NewTaskHub()),
            r => r.AddOrchestrator<ScopeOrchestrator>().AddActivity<ScopeActivity>(),
            services => services.AddSingleton(scopes).AddScoped<ScopedThing>());

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ScopeOrchestrator));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        var ids = state.ReadOutputAs<int[]>()!;
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal(ids.Order(), scopes.Disposed.Order());
    }

    private static async Task<OrchestrationMetadata> WaitForAsync(DurableTaskClient client, string id, OrchestrationRuntimeStatus status, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await client.GetInstanceAsync(id, cancellationToken) is { } instance && instance.RuntimeStatus == status)
            {
                return instance;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task WaitForStatusAsync(DurableTaskClient client, string id, string customStatus, CancellationToken cancellationToken)
    {
        while ((await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken))?.ReadCustomStatusAs<string>() != customStatus)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    [Fact]
    public async Task Begin_DisposedAtOnce_StopsWithoutStartingTheBackend()
    {
        var hub = TestStorage.NewTaskHub();
        var host = LocalDurableHost.Begin(Options(hub), r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>());

        // A drain refused at once: the backend's stop before its start threw on a thread-pool
        // thread (the process ended); the host must not stop what it never started.
        var disposed = await Record.ExceptionAsync(() => host.DisposeAsync().AsTask());

        // The task hub works for the next host.
        await using var next = await LocalDurableHost.StartAsync(Options(hub), r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>());
        var id = await next.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), "next");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await next.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Null(disposed);
        Assert.Equal("hello next, hello next", state.ReadOutputAs<string>());
    }

    [Fact]
    public void Validate_BadTaskHubName_NamesTheSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LocalHostOptions { TaskHubName = "my-hub" }.Validate());

        Assert.Contains("DURABLE_TASK_HUB_NAME 'my-hub' is invalid", ex.Message, StringComparison.Ordinal);
    }

    private sealed class GreetOrchestrator : TaskOrchestrator<string, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        {
            var first = await context.CallActivityAsync<string>(nameof(GreetActivity), input);
            var second = await context.CallActivityAsync<string>(nameof(GreetActivity), input);
            return $"{first}, {second}";
        }
    }

    private sealed class WaitThenGreetOrchestrator : TaskOrchestrator<string, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        {
            await context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(3), CancellationToken.None);
            return await context.CallActivityAsync<string>(nameof(GreetActivity), input);
        }
    }

    private sealed class GreetActivity : TaskActivity<string, string>
    {
        public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult($"hello {input}");
    }

    private sealed class StorageAwayException(string message) : Exception(message);

    private sealed class FailActivity : TaskActivity<string, string>
    {
        public override Task<string> RunAsync(TaskActivityContext context, string input) => throw new StorageAwayException(input);
    }

    private sealed class CatchOrchestrator : TaskOrchestrator<string, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        {
            try
            {
                return await context.CallActivityAsync<string>(nameof(FailActivity), input);
            }
            catch (TaskFailedException failed)
            {
                return $"{failed.FailureDetails.ErrorType}: {failed.FailureDetails.ErrorMessage}";
            }
        }
    }

    private sealed class ThrowOrchestrator : TaskOrchestrator<string, string>
    {
        public override Task<string> RunAsync(TaskOrchestrationContext context, string input) => throw new StorageAwayException(input);
    }

    private sealed class AwaitGoOrchestrator : TaskOrchestrator<string, string>
    {
        public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
        {
            context.SetCustomStatus("waiting");
            var go = await context.WaitForExternalEvent<string>("go");
            return $"{input} {go}";
        }
    }

    private sealed class ScopeLog
    {
        private int next;

        public System.Collections.Concurrent.ConcurrentBag<int> Disposed { get; } = [];

        public int Next() => Interlocked.Increment(ref next);
    }

    private sealed class ScopedThing(ScopeLog log) : IDisposable
    {
        public int Id { get; } = log.Next();

        public void Dispose() => log.Disposed.Add(Id);
    }

    private sealed class ScopeActivity(ScopedThing thing) : TaskActivity<object?, int>
    {
        public override Task<int> RunAsync(TaskActivityContext context, object? input) => Task.FromResult(thing.Id);
    }

    private sealed class ScopeOrchestrator : TaskOrchestrator<object?, int[]>
    {
        public override async Task<int[]> RunAsync(TaskOrchestrationContext context, object? input) =>
            [await context.CallActivityAsync<int>(nameof(ScopeActivity)), await context.CallActivityAsync<int>(nameof(ScopeActivity))];
    }
}
