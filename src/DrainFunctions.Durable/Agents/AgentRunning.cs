namespace DrainFunctions.Durable.Agents;

/// <summary>An attempt an agent runs: what its heartbeat names, and what the list shows.</summary>
public sealed record AgentRunning
{
    public string SessionId { get; init; } = string.Empty;

    public string AttemptId { get; init; } = string.Empty;

    public string? RunId { get; init; }

    public string? PhaseId { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
}
