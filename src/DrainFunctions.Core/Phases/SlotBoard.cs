using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Phases;

/// <summary>
/// The slots of a drain (<see cref="DrainOptions.ParallelSlots"/>; one for the sequential drain)
/// and the decisions about them, shared by the durable drain and the simulator: whether another
/// phase may start, which slot it takes, which runs are busy, and the first stop decided. Picks are
/// made one at a time as slots free up; the phases in flight count against the batch size as if
/// they had ended, so a drain never starts more than its batch. With one slot the loop is the
/// sequential drain's, step for step.
/// </summary>
public sealed class SlotBoard
{
    private readonly List<InFlightPhase> inFlight = [];

    public SlotBoard(int slots, int ordinal = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        Slots = slots;
        NextOrdinal = ordinal;
    }

    public int Slots { get; }

    /// <summary>In start order.</summary>
    public IReadOnlyList<InFlightPhase> InFlight => inFlight;

    /// <summary>The first stop decided (batch, budget, cancel, no pick, a stop after a phase); none while the drain goes on.</summary>
    public StopDecision Stop { get; private set; }

    /// <summary>Set when the generation is full: no new pick, but the session does not end.</summary>
    public bool Paused { get; private set; }

    /// <summary>The ordinal the next start gets: how many attempts the session started so far.</summary>
    public int NextOrdinal { get; private set; }

    /// <summary>Whether another pick may be tried now.</summary>
    public bool MayPick => !Stop.Stops && !Paused && inFlight.Count < Slots;

    /// <summary>Whether the loop is over: nothing in flight and no pick may come.</summary>
    public bool Drained => inFlight.Count == 0 && (Stop.Stops || Paused);

    /// <summary>Runs with a phase in flight: never given a second one, whatever the database says.</summary>
    public IReadOnlySet<string> BusyRuns => inFlight.Select(p => p.Phase.RunId).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The check before a pick (<see cref="DrainLoopRules.BeforePhase"/>) with the phases in flight
    /// counted as processed; a stop it decides ends the picking.
    /// </summary>
    public StopDecision BeforePick(int processed, DrainOptions options, DateTimeOffset sessionStart, DateTimeOffset now, string? cancelMode = null)
    {
        var decision = DrainLoopRules.BeforePhase(processed + inFlight.Count, options, sessionStart, now, cancelMode);
        StopPicking(decision);
        return decision;
    }

    /// <summary>The selector found nothing: the session ends when nothing is in flight; else a phase that ends may free its run's next phase.</summary>
    public void NoPick(NoPickReason reason)
    {
        if (inFlight.Count == 0)
        {
            StopPicking(new StopDecision(DrainLoopRules.NoPick(reason)));
        }
    }

    /// <summary>Records a stop (the first one wins): no new phase starts, those in flight end as they would.</summary>
    public void StopPicking(StopDecision decision)
    {
        if (decision.Stops && !Stop.Stops)
        {
            Stop = decision;
        }
    }

    /// <summary>Stops new picks until the phases in flight ended (the generation continues as new then).</summary>
    public void Pause() => Paused = true;

    /// <summary>Puts a picked phase in the lowest free slot.</summary>
    public InFlightPhase Start(PhaseCandidate phase, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(phase);
        if (inFlight.Count >= Slots)
        {
            throw new InvalidOperationException("every slot is taken");
        }

        if (inFlight.Any(p => p.Phase.RunId == phase.RunId))
        {
            throw new InvalidOperationException($"run {phase.RunId} already has a phase in flight");
        }

        var slot = Enumerable.Range(1, Slots).First(n => inFlight.All(p => p.Slot != n));
        var started = new InFlightPhase(slot, phase, NextOrdinal++, now);
        inFlight.Add(started);
        return started;
    }

    /// <summary>Frees the slot of a phase that ended.</summary>
    public void Finish(InFlightPhase phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        if (!inFlight.Remove(phase))
        {
            throw new InvalidOperationException($"{phase.Phase.Key} is not in flight");
        }
    }
}
