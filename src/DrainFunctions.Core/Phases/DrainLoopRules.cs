using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Phases;

/// <summary>
/// The drain loop's stop decisions, shared by the durable drain and the simulator: before each
/// phase, when no phase is left to pick, and after each phase.
/// </summary>
public static class DrainLoopRules
{
    /// <summary>
    /// Before a phase: a cancel (of any mode) stops first, then a full batch, then a spent budget.
    /// <paramref name="processed"/> counts the results (the picks in a dry run).
    /// </summary>
    public static StopDecision BeforePhase(int processed, DrainOptions options, DateTimeOffset sessionStart, DateTimeOffset now, string? cancelMode = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (cancelMode is not null)
        {
            return new StopDecision(SessionStop.Cancelled, $"\n[CANCELLED] Cancel requested ({cancelMode}) - stopping");
        }

        if (processed >= options.BatchSize)
        {
            return new StopDecision(SessionStop.BatchComplete);
        }

        return PolicyBookkeeper.IsBudgetSpent(options, sessionStart, now)
            ? new StopDecision(SessionStop.TimeLimit, PolicyBookkeeper.TimeLimitLine(options))
            : StopDecision.GoOn;
    }

    /// <summary>Why the session ends when the selector picked nothing.</summary>
    public static SessionStop NoPick(NoPickReason reason) =>
        reason == NoPickReason.BacklogEmpty ? SessionStop.BacklogEmpty : SessionStop.NoEligiblePhases;

    /// <summary>
    /// After a phase: one the session cut (budget, cancel now) ends it at once, before the batch
    /// size or any other stop is looked at; then the zero-yield limit. A full batch is left to the
    /// check before the next phase.
    /// </summary>
    public static StopDecision AfterPhase(PhaseRaceWinner winner, BookkeepingOutcome book, DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(options);
        return winner switch
        {
            PhaseRaceWinner.BudgetDeadline => new StopDecision(SessionStop.TimeLimit, PolicyBookkeeper.TimeLimitLine(options)),
            PhaseRaceWinner.CancelNow => new StopDecision(SessionStop.Cancelled, "\n[CANCELLED] Cancel requested (now) - current phase stopped and restored"),
            _ when book.Stop == SessionStop.ZeroYieldLimit => new StopDecision(SessionStop.ZeroYieldLimit),
            _ => StopDecision.GoOn,
        };
    }
}
