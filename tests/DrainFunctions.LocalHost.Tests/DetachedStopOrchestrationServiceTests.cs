using System.Reflection;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;
using DurableTask.Core;

namespace DrainFunctions.LocalHost.Tests;

public class DetachedStopOrchestrationServiceTests
{
    [Fact]
    public async Task StopAsync_ActivityCompletionUnderWay_ReturnsAfterItAndTheMessageIsGone()
    {
        var hub = TestStorage.NewTaskHub();
        var backend = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = hub,
            StorageAccountClientProvider = new StorageAccountClientProvider(TestStorage.ConnectionString),
            WorkerId = "test-" + hub,
            PartitionCount = 1,
        });
        await backend.CreateIfNotExistsAsync();
        // The real backend, whose activity completions take a second longer: the window in which the
        // result is sent and the work item's message not yet deleted.
        var slowed = SlowActivityCompletions.Around(backend, TimeSpan.FromSeconds(1), out var completions);
        var service = new DetachedStopOrchestrationService(slowed);
        var worker = new TaskHubWorker(service);
        worker.AddTaskOrchestrations(typeof(CallOnceOrchestration));
        worker.AddTaskActivities(typeof(EchoActivity));
        await worker.StartAsync();
        try
        {
            await new DurableTask.Core.TaskHubClient(backend).CreateOrchestrationInstanceAsync(typeof(CallOnceOrchestration), "hello");
            await completions.Begun.Task.WaitAsync(TimeSpan.FromSeconds(60));

            await worker.StopAsync(isForced: true);

            Assert.True(completions.Ended.Task.IsCompleted, "the stop returned while the activity's completion was under way");
            var left = await new QueueClient(TestStorage.ConnectionString, hub.ToLowerInvariant() + "-workitems").PeekMessagesAsync(maxMessages: 32);
            Assert.Empty(left.Value);
        }
        finally
        {
            await service.Stopping;
            worker.Dispose();
        }
    }

    private sealed class EchoActivity : TaskActivity<string, string>
    {
        protected override string Execute(TaskContext context, string input) => input;
    }

    private sealed class CallOnceOrchestration : TaskOrchestration<string, string>
    {
        public override Task<string> RunTask(OrchestrationContext context, string input) =>
            context.ScheduleTask<string>(typeof(EchoActivity), input);
    }

    /// <summary>Passes every call to the backend; an activity's completion is delayed before it.</summary>
    public class SlowActivityCompletions : DispatchProxy
    {
        private IOrchestrationService inner = null!;
        private TimeSpan delay;

        public TaskCompletionSource Begun { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static IOrchestrationService Around(IOrchestrationService inner, TimeSpan delay, out SlowActivityCompletions proxy)
        {
            var service = Create<IOrchestrationService, SlowActivityCompletions>();
            proxy = (SlowActivityCompletions)(object)service;
            proxy.inner = inner;
            proxy.delay = delay;
            return service;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IOrchestrationService.CompleteTaskActivityWorkItemAsync))
            {
                return CompleteSlowlyAsync(targetMethod, args);
            }

            try
            {
                return targetMethod.Invoke(inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }

        private async Task CompleteSlowlyAsync(MethodInfo method, object?[]? args)
        {
            Begun.TrySetResult();
            await Task.Delay(delay);
            await (Task)method.Invoke(inner, args)!;
            Ended.TrySetResult();
        }
    }
}
