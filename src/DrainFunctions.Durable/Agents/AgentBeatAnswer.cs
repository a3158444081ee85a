namespace DrainFunctions.Durable.Agents;

/// <summary>The server's answer to a heartbeat.</summary>
/// <param name="Stop">The attempts the agent must stop (withdrawn, lost, not its own).</param>
/// <param name="Deadlines">The deadline of every attempt it goes on with, on the server's clock.</param>
/// <param name="Kept">The latest deadline decided to stay, of each such attempt (server's clock).</param>
/// <param name="ServerTime">The server's clock when it answered, so that the agent can turn the deadlines into its own clock.</param>
public sealed record AgentBeatAnswer(IReadOnlyList<string> Stop, IReadOnlyDictionary<string, DateTimeOffset> Deadlines, IReadOnlyDictionary<string, DateTimeOffset> Kept, DateTimeOffset ServerTime);
