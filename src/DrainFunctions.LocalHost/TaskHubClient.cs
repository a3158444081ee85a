using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using SdkQuery = Microsoft.DurableTask.Client.OrchestrationQuery;

namespace DrainFunctions.LocalHost;

/// <summary>
/// The SDK's client API served by the Azure Storage backend in this process: each call is the
/// backend's own call, with no gRPC sidecar between them. Answers are what the SDK's in-process
/// sidecar gave (custom status and failure details only with inputs and outputs; no status check
/// before a purge; a start replaces an instance of the same id whatever its status), so the
/// drain's code reads them exactly as before. Calls made before the task hub exists wait for it.
/// </summary>
internal sealed class TaskHubClient(AzureStorageOrchestrationService service, Task hubReady, DataConverter dataConverter)
    : DurableTaskClient("local")
{
    private static readonly TimeSpan StartPollInterval = TimeSpan.FromMilliseconds(200);

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        await hubReady.WaitAsync(cancellation);
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var started = new ExecutionStartedEvent(-1, dataConverter.Serialize(input))
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.Version ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = options?.Tags?.ToDictionary(tag => tag.Key, tag => tag.Value) ?? [],
        };
        await service.CreateTaskOrchestrationAsync(new TaskMessage { OrchestrationInstance = instance, Event = started }, dedupeStatuses: null);
        return instance.InstanceId;
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new EventRaisedEvent(-1, dataConverter.Serialize(eventPayload)) { Name = eventName }, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        await hubReady.WaitAsync(cancellation);
        await service.ForceTerminateTaskOrchestrationAsync(instanceId, dataConverter.Serialize(options?.Output));
    }

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        await hubReady.WaitAsync(cancellation);
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: getInputsAndOutputs);
        return states is { Count: > 0 } && states[0] is { } state ? ToMetadata(state, getInputsAndOutputs) : null;
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(SdkQuery? filter = null) =>
        Pageable.Create<OrchestrationMetadata>(async (continuation, pageSize, cancellation) =>
        {
            await hubReady.WaitAsync(cancellation);
            var query = new CoreQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(status => (OrchestrationStatus)status).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                TaskHubNames = filter?.TaskHubNames?.ToList(),
                PageSize = pageSize ?? filter?.PageSize ?? SdkQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await service.GetOrchestrationWithQueryAsync(query, cancellation);
            return new Page<OrchestrationMetadata>(
                [.. result.OrchestrationState.Select(state => ToMetadata(state, query.FetchInputsAndOutputs))],
                result.ContinuationToken);
        });

    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        await hubReady.WaitAsync(cancellation);
        var result = await ((IOrchestrationServicePurgeClient)service).PurgeInstanceStateAsync(instanceId);
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount);
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { RuntimeStatus: not OrchestrationRuntimeStatus.Pending } started)
            {
                return started;
            }

            await Task.Delay(StartPollInterval, cancellation);
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        await hubReady.WaitAsync(cancellation);
        var state = await service.WaitForOrchestrationAsync(instanceId, executionId: null!, Timeout.InfiniteTimeSpan, cancellation);
        cancellation.ThrowIfCancellationRequested();
        return ToMetadata(state!, getInputsAndOutputs);
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task SendAsync(string instanceId, HistoryEvent message, CancellationToken cancellation)
    {
        await hubReady.WaitAsync(cancellation);
        await service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId }, Event = message });
    }

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withInputsAndOutputs) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = dataConverter,
            RuntimeStatus = (OrchestrationRuntimeStatus)state.OrchestrationStatus,
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withInputsAndOutputs ? state.Input : null,
            SerializedOutput = withInputsAndOutputs ? state.Output : null,
            SerializedCustomStatus = withInputsAndOutputs ? state.Status : null,
            FailureDetails = withInputsAndOutputs ? ToFailureDetails(state.FailureDetails) : null,
            Tags = state.Tags is { } tags ? new Dictionary<string, string>(tags) : new Dictionary<string, string>(),
        };

    private static TaskFailureDetails? ToFailureDetails(FailureDetails? failure) =>
        failure is null ? null : new TaskFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToFailureDetails(failure.InnerFailure), failure.Properties);
}
