using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>The stored form of <see cref="InstanceArchive"/>'s record.</summary>
public sealed record ArchivedInstance
{
    public string Name { get; init; } = string.Empty;

    public string InstanceId { get; init; } = string.Empty;

    public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; init; }

    public string? SerializedOutput { get; init; }

    public string? SerializedCustomStatus { get; init; }

    public string? FailureType { get; init; }

    public string? FailureMessage { get; init; }
}
