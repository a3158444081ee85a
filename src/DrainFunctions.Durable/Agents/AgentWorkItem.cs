namespace DrainFunctions.Durable.Agents;

/// <summary>
/// A claimed phase, as the agent gets it: what to run and until when. <see cref="ServerTime"/>
/// lets the agent count its deadline on its own clock (<see cref="TimeoutSeconds"/> from the claim),
/// whatever the skew between the machines.
/// </summary>
public sealed record AgentWorkItem
{
    public string SessionId { get; init; } = string.Empty;

    public string AttemptId { get; init; } = string.Empty;

    public string RunId { get; init; } = string.Empty;

    public string PhaseId { get; init; } = string.Empty;

    public int PhaseIndex { get; init; }

    public int Slot { get; init; } = 1;

    public int TimeoutSeconds { get; init; }

    public DateTimeOffset Deadline { get; init; }

    public DateTimeOffset ServerTime { get; init; }

    /// <summary>How long after the deadline the drain's phase timer fires: the agent waits up to half of it (10 s at most) for the drain's look at a deadline (<c>--extend-on-progress</c>).</summary>
    public double GraceSeconds { get; init; }

    /// <summary>The drain may move the deadline on (<c>--extend-on-progress</c>).</summary>
    public bool MayExtend { get; init; }

    /// <summary>The W3C trace context of the attempt's phase span: the agent's span and the executor continue the drain's trace.</summary>
    public string? TraceParent { get; init; }
}
