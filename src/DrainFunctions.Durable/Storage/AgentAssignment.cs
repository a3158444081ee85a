using DrainFunctions.Core.Agents;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Durable.Storage;

/// <summary>
/// A phase handed to the agent pool, kept in its attempt marker: every change is a conditional
/// write of the marker (ETag), so exactly one agent claims it, and once it is decided
/// (<see cref="AgentWorkStates.IsOpen"/> false) nothing an agent says changes it.
/// </summary>
public sealed record AgentAssignment
{
    public string State { get; init; } = AgentWorkStates.Queued;

    /// <summary>The agent that claimed it.</summary>
    public string? Agent { get; init; }

    public int PhaseIndex { get; init; }

    /// <summary>The drain's slot the phase fills (1-based).</summary>
    public int Slot { get; init; } = 1;

    public DateTimeOffset QueuedAt { get; init; }

    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>The agent's last heartbeat (the claim counts as one).</summary>
    public DateTimeOffset? HeartbeatAt { get; init; }

    /// <summary>How long after the deadline the drain's phase timer fires: the report is settled at once only when it has time to before it.</summary>
    public double GraceSeconds { get; init; }

    /// <summary>The drain may move the deadline on (<c>--extend-on-progress</c>).</summary>
    public bool MayExtend { get; init; }

    /// <summary>The phase's failure reason at the pick: what a restore after a clean exit writes back (<see cref="Core.Phases.RestoreReasons.Original"/>).</summary>
    public string? LastFailureReason { get; init; }

    /// <summary>The run whose telemetry rows the phase is credited with (null: every row), as the executor step was told.</summary>
    public string? TelemetryRunId { get; init; }

    /// <summary>What the agent reported (<see cref="AgentWorkStates.Reported"/>), as the executor activity would have.</summary>
    public RunPhaseExecutorOutput? Result { get; init; }

    /// <summary>Why it was closed without a report (lost, withdrawn).</summary>
    public string? ClosedBecause { get; init; }

    public bool IsClaimedBy(string agent) => State == AgentWorkStates.Claimed && string.Equals(Agent, agent, StringComparison.Ordinal);
}
