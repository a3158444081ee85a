namespace DrainFunctions.Core.Phases;

/// <summary>How the race of one attempt ended: the winner, and what the executor's side said if it said anything.</summary>
/// <param name="Winner">The event that ended the race.</param>
/// <param name="Report">The executor's report (only when <see cref="PhaseRaceWinner.ExecutorReported"/> won).</param>
/// <param name="Failure">What failed (when <see cref="PhaseRaceWinner.ExecutorFailed"/> or <see cref="PhaseRaceWinner.AgentLost"/> won).</param>
public sealed record PhaseRaceEnd(PhaseRaceWinner Winner, ExecutorReport? Report = null, string? Failure = null)
{
    /// <summary>The phase timer won: the attempt overstayed its deadline.</summary>
    public bool PhaseTimerFired => Winner == PhaseRaceWinner.PhaseTimer;

    /// <summary>The attempt ran out of its own time, whether the timer or the executor's side saw it first.</summary>
    public bool TimedOut => PhaseTimerFired || Report?.End == ExecutorRunEnd.TimedOut;

    /// <summary><c>budget</c> or <c>cancel</c> when the session (not the phase) cut the attempt; null otherwise.</summary>
    public string? InterruptedBy => Winner switch
    {
        PhaseRaceWinner.BudgetDeadline => PhaseInterruptions.Budget,
        PhaseRaceWinner.CancelNow => PhaseInterruptions.Cancel,
        _ => null,
    };

    /// <summary>
    /// The race ended without the executor's side reporting the end: the attempt may still run and
    /// must be stopped everywhere before its phase is settled.
    /// </summary>
    public bool AttemptMayStillRun => Winner is PhaseRaceWinner.PhaseTimer or PhaseRaceWinner.BudgetDeadline or PhaseRaceWinner.CancelNow or PhaseRaceWinner.AgentLost;

    /// <summary>
    /// The executor exited cleanly, or adopted processes ended by themselves: the phase's own
    /// database write may not be visible yet, so settling re-reads for a while.
    /// </summary>
    public bool WaitForSettle => Report is { End: ExecutorRunEnd.Exited, ReturnCode: 0 } or { End: ExecutorRunEnd.Adopted, AdoptedProcesses: > 0 };
}
