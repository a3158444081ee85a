namespace DrainFunctions.Core.Agents;

/// <summary>When an agent's silence makes its phase lost: shared by the drain's check and the agents' list.</summary>
public static class AgentHeartbeats
{
    /// <summary>Default time without a heartbeat after which an agent's phase is lost.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often an agent heartbeats: a few beats fit in the timeout, so one slow request is no loss.</summary>
    public static TimeSpan IntervalFor(TimeSpan timeout) => TimeSpan.FromMilliseconds(Math.Max(200, timeout.TotalMilliseconds / 6));

    /// <summary>How often the drain looks at an attempt on an agent: a lost agent is found at most a third of the timeout late.</summary>
    public static TimeSpan CheckInterval(TimeSpan timeout) => TimeSpan.FromMilliseconds(Math.Max(1000, timeout.TotalMilliseconds / 3));

    /// <summary>
    /// Silent for longer than <paramref name="timeout"/>, counted from its last sign of life or from
    /// when the watcher itself came up, whichever is later: while the server was down no agent could
    /// reach it, and a restarted server must not declare every agent lost at once.
    /// </summary>
    public static bool IsLost(DateTimeOffset lastSign, DateTimeOffset watcherUpSince, DateTimeOffset now, TimeSpan timeout) =>
        now - (lastSign > watcherUpSince ? lastSign : watcherUpSince) > timeout;

    /// <summary>The words of a lost result.</summary>
    public static string LostDescription(string agent, TimeSpan timeout) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"agent {agent} sent no heartbeat for {timeout.TotalSeconds:0.#} s");
}
