namespace DrainFunctions.Durable.Agents;

/// <summary>An attempt an agent runs: what its heartbeat names, and what the list shows.</summary>
public sealed record AgentRunning
{
    public string SessionId { get; init; } = string.Empty;

    public string AttemptId { get; init; } = string.Empty;

    public string? RunId { get; init; }

    public string? PhaseId { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The deadline (server's clock) the attempt's executor reached (<c>--extend-on-progress</c>): the answer says whether the drain moved it on.</summary>
    public DateTimeOffset? DeadlineReached { get; init; }

    /// <summary>The agent gives up waiting for the drain's look at <see cref="DeadlineReached"/>: it stays, unless moved meanwhile.</summary>
    public bool GiveUp { get; init; }
}
