using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>What a cancel request did: sent to <paramref name="InstanceId"/>, or why not.</summary>
public sealed record DrainCancel(DrainCancelStatus Status, string? InstanceId = null, OrchestrationRuntimeStatus? RuntimeStatus = null)
{
    /// <summary>After a forced stop: the phases (<c>run:phase</c>) put back to FAILED.</summary>
    public IReadOnlyList<string> Restored { get; init; } = [];
}
