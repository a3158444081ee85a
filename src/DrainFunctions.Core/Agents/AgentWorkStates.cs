namespace DrainFunctions.Core.Agents;

/// <summary>
/// Where a phase handed to the agent pool is. Only <see cref="Queued"/> and <see cref="Claimed"/>
/// are open; every other state is decided, and an agent's late word about it is refused.
/// </summary>
public static class AgentWorkStates
{
    /// <summary>Waiting in the queue for an agent with a free slot; the phase is still FAILED.</summary>
    public const string Queued = "queued";

    /// <summary>One agent took it: the phase is re-queued and the agent runs it, heartbeating.</summary>
    public const string Claimed = "claimed";

    /// <summary>The agent reported how its run ended.</summary>
    public const string Reported = "reported";

    /// <summary>The agent stopped heartbeating; the phase was restored and is not retried.</summary>
    public const string Lost = "lost";

    /// <summary>The drain took it back (its deadline, the budget, a cancel) before the agent reported.</summary>
    public const string Withdrawn = "withdrawn";

    public static bool IsOpen(string state) => state is Queued or Claimed;
}
