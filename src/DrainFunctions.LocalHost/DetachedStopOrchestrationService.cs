using DurableTask.Core;

namespace DrainFunctions.LocalHost;

/// <summary>
/// The backend as the worker stops it: the stop is begun, not waited for. The worker stops its
/// dispatchers first (no work item is fetched after that), then the backend, whose partition
/// manager gives up the control queue's lease only on its next round, a fixed second later: a
/// second at the end of every command (issue 17). The lease is held under the host's fixed
/// <see cref="LocalHostOptions.WorkerId"/>, which the next host takes over at once, as after a
/// kill -9; a process that lives on (<c>drain serve</c>, tests) sees the release finish in
/// <see cref="Stopping"/>.
/// <para>
/// Before the stop is begun, the work items' completions already under way end (for at most
/// <see cref="CompletionWait"/>). The worker's stop is forced and does not wait for them, and an
/// activity's completion sends its result before it deletes its message: the orchestration could
/// complete on that result, the command exit, and the message stay in the queue, to run the
/// activity again in the next host (seen: a drain's last save left in the work-item queue).
/// Everything else is passed through.
/// </para>
/// </summary>
internal sealed class DetachedStopOrchestrationService(IOrchestrationService inner) : IOrchestrationService
{
    /// <summary>How long a stop waits for the completions under way: storage round trips, unless storage is away.</summary>
    public static readonly TimeSpan CompletionWait = TimeSpan.FromSeconds(3);

    private readonly InFlightCalls completions = new();

    /// <summary>The backend's own stop, once begun.</summary>
    public Task Stopping { get; private set; } = Task.CompletedTask;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => StopAsync(false);

    public async Task StopAsync(bool isForced)
    {
        await completions.WhenEndedAsync(CompletionWait);
        Stopping = inner.StopAsync(isForced);
    }

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) =>
        inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        completions.Track(inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState));

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) =>
        completions.Track(inner.AbandonTaskOrchestrationWorkItemAsync(workItem));

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) =>
        inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) =>
        inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        completions.Track(inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage));

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) =>
        completions.Track(inner.AbandonTaskActivityWorkItemAsync(workItem));
}
