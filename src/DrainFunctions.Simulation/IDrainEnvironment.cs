using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>
/// What one drain step needs from the world: the time, the next pick, and draining the pick.
/// The simulator implements it over a model; a comparison test can implement it over the real
/// store and a scripted executor and run <see cref="SimulatedDrain.Run"/> on both.
/// </summary>
public interface IDrainEnvironment
{
    DateTimeOffset Now { get; }

    /// <summary>The next phase by the policy core (PhaseSelector), or why there is none.</summary>
    SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger);

    /// <summary>
    /// Drains <paramref name="phase"/>: requeue, run (cut by the phase timeout, or by the budget
    /// at <paramref name="budgetDeadline"/>), write its outcome back; returns the result (built by
    /// Core's <see cref="PhaseResults"/>) and the event that ended the attempt. Advances
    /// <see cref="Now"/> by the attempt's duration.
    /// </summary>
    PhaseAttemptOutcome RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline);
}
