namespace DrainFunctions.Durable.Agents;

/// <summary><c>POST /api/agents/claim</c>: an agent with <see cref="Free"/> free slots asks for work.</summary>
public sealed record AgentClaim
{
    public string Agent { get; init; } = string.Empty;

    public int Slots { get; init; } = 1;

    public int Free { get; init; } = 1;

    public string? Machine { get; init; }

    /// <summary>How long to wait for work before answering empty (capped by the server's <see cref="AgentOptions.ClaimWait"/>).</summary>
    public double? WaitSeconds { get; init; }
}
