using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>The drain that runs on the database now: its instance, its session (null while it starts) and status.</summary>
public sealed record LiveDrain(string InstanceId, string? SessionId, OrchestrationRuntimeStatus Status);
