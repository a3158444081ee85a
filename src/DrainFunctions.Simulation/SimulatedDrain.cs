using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>
/// The drain loop, step for step as the real drain runs it, on the same Core decisions
/// (<see cref="DrainLoopRules"/>): check the stop conditions before a phase (batch size, total
/// budget) → select with the policy core → drain the pick → record the result with
/// <see cref="PolicyBookkeeper"/> → stop when the rules say so. No cancel and no lock here: a
/// simulated drain is never cancelled and holds its database alone.
/// </summary>
public static class SimulatedDrain
{
    public static DrainRun Run(DrainOptions options, IDrainEnvironment environment, ICrossSessionLimits? ledger = null, PolicyState? initialState = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var run = new DrainRun { StartedAt = environment.Now, State = initialState ?? new PolicyState() };
        var state = run.State;
        var deadline = PolicyBookkeeper.BudgetDeadline(options, run.StartedAt);
        while (true)
        {
            var before = DrainLoopRules.BeforePhase(state.TotalProcessed, options, run.StartedAt, environment.Now);
            if (Stopped(run, before))
            {
                break;
            }

            var selection = environment.SelectNext(state, options, ledger);
            run.Skips.AddRange(selection.Skips.Select(s => s.Line));
            run.LedgerSkipLines += selection.Skips.Count(s => s.FromLedger);
            if (selection.Selected is not { } phase)
            {
                run.Stop = DrainLoopRules.NoPick(selection.NoPick);
                break;
            }

            run.Picks.Add(phase.Key);
            var (result, winner) = environment.RunPhase(phase, options, deadline);
            run.Results.Add(result);
            var book = PolicyBookkeeper.Record(state, result, options);
            run.Lines.AddRange(book.TriageLines);
            run.Lines.AddRange(book.Lines);
            if (Stopped(run, DrainLoopRules.AfterPhase(winner, book, options)))
            {
                break;
            }
        }

        run.EndedAt = environment.Now;
        return run;
    }

    private static bool Stopped(DrainRun run, StopDecision decision)
    {
        if (!decision.Stops)
        {
            return false;
        }

        if (decision.Line is not null)
        {
            run.Lines.Add(decision.Line);
        }

        run.Stop = decision.Stop;
        return true;
    }
}
