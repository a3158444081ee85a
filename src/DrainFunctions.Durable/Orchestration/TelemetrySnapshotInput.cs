namespace DrainFunctions.Durable.Orchestration;

/// <summary><see cref="RunId"/>: the run whose rows are counted (null: all). The session and attempt only place the count's span and logs.</summary>
public sealed record TelemetrySnapshotInput(string? RunId)
{
    public string? SessionId { get; init; }

    public string? AttemptId { get; init; }
}
