namespace DrainFunctions.Durable.Agents;

/// <summary>One agent as the pool last heard of it: <c>GET /api/agents</c> and <c>drain agents</c>.</summary>
public sealed record AgentEntry
{
    public string Name { get; init; } = string.Empty;

    public int Slots { get; init; }

    /// <summary>The agent's machine and version, as it said (for people; never trusted).</summary>
    public string? Machine { get; init; }

    public DateTimeOffset FirstSeen { get; init; }

    public DateTimeOffset LastSeen { get; init; }

    /// <summary>The attempts it runs, as of its last heartbeat or claim.</summary>
    public IReadOnlyList<AgentRunning> Running { get; init; } = [];

    /// <summary>Said goodbye (Ctrl-C): takes no more work.</summary>
    public bool Stopping { get; init; }
}
