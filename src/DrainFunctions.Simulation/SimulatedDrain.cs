using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>
/// The drain loop, step for step as the real drain runs it, on the same Core decisions
/// (<see cref="SlotBoard"/>, <see cref="DrainLoopRules"/>): while a slot is free, check the stop
/// conditions before a pick (batch size counting the phases in flight, total budget) → select
/// with the policy core, busy runs left out → start the pick; then wait for the attempt that ends
/// first (ties: the one started first) → record its result with <see cref="PolicyBookkeeper"/> →
/// stop picking when the rules say so. With one slot this is the sequential drain. No cancel and
/// no lock here: a simulated drain is never cancelled and holds its database alone.
/// </summary>
public static class SimulatedDrain
{
    public static DrainRun Run(DrainOptions options, IDrainEnvironment environment, ICrossSessionLimits? ledger = null, PolicyState? initialState = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var board = new SlotBoard(options.ParallelSlots());
        var run = new DrainRun { StartedAt = environment.Now, State = initialState ?? new PolicyState(), Slots = board.Slots };
        var state = run.State;
        var deadline = PolicyBookkeeper.BudgetDeadline(options, run.StartedAt);
        var attempts = new Dictionary<InFlightPhase, SimulatedAttempt>();
        var extendLinesPrinted = new Dictionary<InFlightPhase, int>();
        while (true)
        {
            while (board.MayPick)
            {
                // Inside this loop no stop was decided yet: a stop here is the first, its line printed.
                var before = board.BeforePick(state.TotalProcessed, options, run.StartedAt, environment.Now);
                if (before.Stops)
                {
                    AddLine(run, before);
                    break;
                }

                var selection = environment.SelectNext(state, options, ledger, board.BusyRuns);
                run.Skips.AddRange(selection.Skips.Select(s => s.Line));
                run.LedgerSkipLines += selection.Skips.Count(s => s.FromLedger);
                if (selection.Selected is not { } phase)
                {
                    board.NoPick(selection.NoPick);
                    break;
                }

                run.Picks.Add(phase.Key);
                var inFlight = board.Start(phase, environment.Now);
                attempts.Add(inFlight, environment.StartPhase(phase, options, deadline));
            }

            if (board.Drained)
            {
                break;
            }

            var (ended, attempt) = FirstToEnd(board, attempts);
            environment.AdvanceTo(attempt.EndsAt);
            AddExtendLines(run, board, attempts, extendLinesPrinted, attempt.EndsAt);
            board.Finish(ended);
            attempts.Remove(ended);
            extendLinesPrinted.Remove(ended);
            var (result, winner) = attempt.Outcome;
            run.Results.Add(result);
            run.Spans.Add(new AttemptSpan(ended.Slot, ended.Phase.RunId, ended.Phase.Key, attempt.StartedAt, attempt.EndsAt));
            var book = PolicyBookkeeper.Record(state, result, options);
            run.Lines.AddRange(book.TriageLines);
            run.Lines.AddRange(book.Lines);
            var after = DrainLoopRules.AfterPhase(winner, book, options);
            if (!board.Stop.Stops)
            {
                AddLine(run, after);
            }

            board.StopPicking(after);
        }

        run.Stop = board.Stop.Stop;
        run.EndedAt = environment.Now;
        return run;
    }

    /// <summary>The attempt in flight that ends first; on a tie the one started first (the board keeps start order).</summary>
    private static (InFlightPhase Phase, SimulatedAttempt Attempt) FirstToEnd(SlotBoard board, Dictionary<InFlightPhase, SimulatedAttempt> attempts)
    {
        var first = board.InFlight[0];
        foreach (var phase in board.InFlight.Skip(1))
        {
            if (attempts[phase].EndsAt < attempts[first].EndsAt)
            {
                first = phase;
            }
        }

        return (first, attempts[first]);
    }

    /// <summary>
    /// The [EXTEND] lines of the looks made by <paramref name="until"/>, in time order (ties: the
    /// attempt started first), as the durable drain prints them while the phases run: before the
    /// result of the attempt that ends at <paramref name="until"/>.
    /// </summary>
    private static void AddExtendLines(DrainRun run, SlotBoard board, Dictionary<InFlightPhase, SimulatedAttempt> attempts, Dictionary<InFlightPhase, int> printed, DateTimeOffset until)
    {
        var due = board.InFlight
            .SelectMany((phase, order) => attempts[phase].Extensions
                .Skip(printed.GetValueOrDefault(phase))
                .Select(extension => (Phase: phase, Order: order, At: attempts[phase].StartedAt + TimeSpan.FromSeconds(extension.AtSeconds), Extension: extension)))
            .Where(look => look.At <= until)
            .OrderBy(look => look.At)
            .ThenBy(look => look.Order)
            .ToList();
        foreach (var look in due)
        {
            run.Lines.Add(ProgressExtensions.Line(look.Extension));
            printed[look.Phase] = printed.GetValueOrDefault(look.Phase) + 1;
        }
    }

    /// <summary>Prints the line of the first stop only: a later one (another phase cut by the budget) changes nothing.</summary>
    private static void AddLine(DrainRun run, StopDecision decision)
    {
        if (decision.Stops && decision.Line is not null)
        {
            run.Lines.Add(decision.Line);
        }
    }
}
