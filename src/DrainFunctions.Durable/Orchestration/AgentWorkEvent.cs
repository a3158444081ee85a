namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// What the agent pool tells a waiting drain about one attempt, raised as the external event
/// <see cref="NameFor"/>: claimed (with the deadline counted from the claim), then reported.
/// </summary>
public sealed record AgentWorkEvent
{
    public const string Claimed = "claimed";
    public const string Reported = "reported";

    public string Kind { get; init; } = Claimed;

    public string Agent { get; init; } = string.Empty;

    public DateTimeOffset? Deadline { get; init; }

    public RunPhaseExecutorOutput? Result { get; init; }

    /// <summary>One event name per attempt, so that parallel slots each hear only their own.</summary>
    public static string NameFor(string attemptId) => "agent-work-" + attemptId;
}
