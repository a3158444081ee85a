namespace DrainFunctions.Durable.Orchestration;

/// <summary>An attempt handed to the agents, as its marker says now (<see cref="Core.Agents.AgentWorkStates"/>).</summary>
public sealed record CheckAgentWorkOutput
{
    public string State { get; init; } = string.Empty;

    public string? Agent { get; init; }

    /// <summary>Claimed: the deadline counted from the claim.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Reported: what the agent said.</summary>
    public RunPhaseExecutorOutput? Result { get; init; }

    /// <summary>Lost or withdrawn: why.</summary>
    public string? ClosedBecause { get; init; }
}
