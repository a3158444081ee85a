using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>What a cancel request did: sent to <paramref name="InstanceId"/>, or why not.</summary>
public sealed record DrainCancel(DrainCancelStatus Status, string? InstanceId = null, OrchestrationRuntimeStatus? RuntimeStatus = null);
