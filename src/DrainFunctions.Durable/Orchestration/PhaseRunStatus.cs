namespace DrainFunctions.Durable.Orchestration;

public enum PhaseRunStatus
{
    /// <summary>The executor exited within its time; <see cref="RunPhaseExecutorOutput.FinalState"/> is the settled state.</summary>
    Completed,

    /// <summary>The executor was killed at its deadline.</summary>
    TimedOut,

    /// <summary>The phase is not in the database.</summary>
    NotFound,

    /// <summary>The phase was no longer FAILED; it was not run.</summary>
    RequeueConflict,

    /// <summary>
    /// A redelivered call found the attempt marker: the executor was not started again; the
    /// attempt's processes still running were waited for (<see cref="RunPhaseExecutorOutput.AdoptedProcesses"/>)
    /// and have ended by themselves. Their return code is unknown: the phase's state tells the outcome.
    /// </summary>
    Adopted,

    /// <summary>Stopped from outside (cancel now, budget) through the attempt's stop signal.</summary>
    Stopped,

    /// <summary>
    /// Executor kind <c>agent</c>: the phase was handed to the agent pool (queued, not yet run);
    /// the drain now waits for an agent's claim and result (<see cref="AgentWorkEvent"/>).
    /// </summary>
    Dispatched,
}
