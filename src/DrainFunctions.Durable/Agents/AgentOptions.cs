using DrainFunctions.Core.Agents;

namespace DrainFunctions.Durable.Agents;

/// <summary>The agent pool (section <c>Agents</c>), used when <c>Executor:Kind</c> is <c>agent</c>.</summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agents";
    public const string DefaultQueueName = "drain-agent-work";

    /// <summary>The storage queue that holds work for agents (created when missing).</summary>
    public string QueueName { get; set; } = DefaultQueueName;

    /// <summary>Identity-based alternative to the snapshots' connection string: the queue service URI.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Without a heartbeat for this long, an agent's phase is lost.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = AgentHeartbeats.DefaultTimeout;

    /// <summary>The longest an agent's claim waits for work before it answers empty (long poll).</summary>
    public TimeSpan ClaimWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often a waiting claim looks at the queue when no work arrived through this process.</summary>
    public TimeSpan ClaimPoll { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>An agent not heard from for this long is left out of the list of connected agents.</summary>
    public TimeSpan ForgetAgentAfter { get; set; } = TimeSpan.FromMinutes(10);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var q = QueueName ?? string.Empty;
        if (q.Length is < 3 or > 63 || !q.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') || q.StartsWith('-') || q.EndsWith('-') || q.Contains("--", StringComparison.Ordinal))
        {
            errors.Add($"Agents: QueueName '{q}' is not a valid queue name (3-63 lower-case letters, digits and single dashes).");
        }

        if (HeartbeatTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add("Agents: HeartbeatTimeout must be at least 1 second.");
        }

        if (ClaimWait < TimeSpan.Zero || ClaimPoll <= TimeSpan.Zero)
        {
            errors.Add("Agents: ClaimWait must be >= 0 and ClaimPoll positive.");
        }

        return errors;
    }
}
