using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>
/// What one drain step needs from the world: the time, the next pick, and draining the pick.
/// The simulator implements it over a model; a comparison test can implement it over the real
/// store and a scripted executor and run <see cref="SimulatedDrain.Run"/> on both. Attempts
/// overlap in time (parallel slots): one starts now and tells when it ends, and the drain moves
/// the clock to the earliest end among those in flight.
/// </summary>
public interface IDrainEnvironment
{
    DateTimeOffset Now { get; }

    /// <summary>The next phase by the policy core (PhaseSelector), or why there is none; <paramref name="busyRuns"/> (a phase in flight) are left out.</summary>
    SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger, IReadOnlySet<string> busyRuns);

    /// <summary>
    /// Starts draining <paramref name="phase"/> at <see cref="Now"/>: requeue, run (cut by the
    /// phase timeout, or by the budget at <paramref name="budgetDeadline"/>), write its outcome
    /// back when it ends; returns the result (built by Core's <see cref="PhaseResults"/>), the event
    /// that ended the attempt and when it ends. Does not move <see cref="Now"/>: other attempts
    /// may start before this one ends.
    /// </summary>
    SimulatedAttempt StartPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline);

    /// <summary>Moves <see cref="Now"/> to <paramref name="instant"/> (never back); attempts that ended by then have written their outcome.</summary>
    void AdvanceTo(DateTimeOffset instant);
}
