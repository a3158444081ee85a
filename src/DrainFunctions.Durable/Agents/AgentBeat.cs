namespace DrainFunctions.Durable.Agents;

/// <summary><c>POST /api/agents/heartbeat</c>: the agent is alive and runs these attempts.</summary>
public sealed record AgentBeat
{
    public string Agent { get; init; } = string.Empty;

    public int Slots { get; init; } = 1;

    public string? Machine { get; init; }

    /// <summary>The agent takes no more work (Ctrl-C); it still finishes what it runs.</summary>
    public bool Stopping { get; init; }

    public IReadOnlyList<AgentRunning> Running { get; init; } = [];
}
