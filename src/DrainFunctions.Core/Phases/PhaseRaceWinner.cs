namespace DrainFunctions.Core.Phases;

/// <summary>Which event ended the race of one phase attempt.</summary>
public enum PhaseRaceWinner
{
    /// <summary>The executor activity reported how the executor run ended.</summary>
    ExecutorReported,

    /// <summary>The executor activity failed for good (not an outage); nothing was reported.</summary>
    ExecutorFailed,

    /// <summary>The phase's own timer (its deadline plus grace) fired first; the attempt may still run.</summary>
    PhaseTimer,

    /// <summary>The session's total time budget ran out first.</summary>
    BudgetDeadline,

    /// <summary>A cancel with mode <c>now</c> arrived first.</summary>
    CancelNow,

    /// <summary>The agent running the attempt stopped sending heartbeats; the attempt may still run there.</summary>
    AgentLost,
}
