using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

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
        await using var host = LocalDurableHost.Begin(Options(TestStorage.NewTaskHub()), r => r.AddOrchestrator<GreetOrchestrator>().AddActivity<GreetActivity>());
        var startedAtBegin = host.Ready.IsCompleted;

        // Made before the sidecar listens: the channel waits for its address instead of failing.
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreetOrchestrator), "early");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.False(startedAtBegin);
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

        // The call waiting for the sidecar fails with the start (a TimeoutException: it waited on).
        var callFailure = await Record.ExceptionAsync(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        await host.DisposeAsync();
        Assert.NotNull(startFailure);
        Assert.IsNotType<TimeoutException>(startFailure);
        Assert.NotNull(callFailure);
        Assert.IsNotType<TimeoutException>(callFailure);
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
}
