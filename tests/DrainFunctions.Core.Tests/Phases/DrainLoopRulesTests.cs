using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Phases;

public class DrainLoopRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DrainOptions Options = new() { BatchSize = 5, MaxTotalMinutes = 30 };

    private static BookkeepingOutcome Book(SessionStop stop) => new([], stop);

    [Fact]
    public void BeforePhase_CancelRequested_CancelledBeforeAnythingElse()
    {
        var decision = DrainLoopRules.BeforePhase(5, Options, Start, Start.AddHours(1), "graceful");

        Assert.Equal(SessionStop.Cancelled, decision.Stop);
        Assert.Equal("\n[CANCELLED] Cancel requested (graceful) - stopping", decision.Line);
    }

    [Fact]
    public void BeforePhase_BatchFullAndBudgetSpent_BatchCompleteWithoutLine()
    {
        var decision = DrainLoopRules.BeforePhase(5, Options, Start, Start.AddHours(1));

        Assert.Equal(new StopDecision(SessionStop.BatchComplete), decision);
    }

    [Fact]
    public void BeforePhase_BudgetSpent_TimeLimitLine()
    {
        var decision = DrainLoopRules.BeforePhase(2, Options, Start, Start.AddMinutes(30));

        Assert.Equal(SessionStop.TimeLimit, decision.Stop);
        Assert.Equal("  [TIME LIMIT] Reached max total time (30m)", decision.Line);
    }

    [Fact]
    public void BeforePhase_RoomAndTimeLeft_GoesOn()
    {
        var decision = DrainLoopRules.BeforePhase(2, Options, Start, Start.AddMinutes(29));

        Assert.False(decision.Stops);
        Assert.Null(decision.Line);
    }

    [Theory]
    [InlineData(null, 0, 600, SessionStop.None)]
    [InlineData(60.0, 0, 3599, SessionStop.None)]
    [InlineData(60.0, 0, 3600, SessionStop.TimeLimit)]
    [InlineData(0.5, 0, 31, SessionStop.TimeLimit)]
    [InlineData(60.0, 10, 0, SessionStop.BatchComplete)]
    public void BeforePhase_BudgetAndBatch_StopsWhenSpent(double? maxMinutes, int processed, int elapsedSeconds, SessionStop expected)
    {
        var start = new DateTimeOffset(2025, 12, 28, 6, 0, 7, TimeSpan.Zero);
        var options = new DrainOptions { BatchSize = 10, MaxTotalMinutes = maxMinutes };

        Assert.Equal(expected, DrainLoopRules.BeforePhase(processed, options, start, start.AddSeconds(elapsedSeconds)).Stop);
    }

    [Fact]
    public void AfterPhase_BudgetCutThePhase_TimeLimitEvenWithZeroYieldStop()
    {
        var decision = DrainLoopRules.AfterPhase(PhaseRaceWinner.BudgetDeadline, Book(SessionStop.ZeroYieldLimit), Options);

        Assert.Equal(SessionStop.TimeLimit, decision.Stop);
        Assert.Equal("  [TIME LIMIT] Reached max total time (30m)", decision.Line);
    }

    [Fact]
    public void AfterPhase_CancelNowCutThePhase_CancelledRestoredLine()
    {
        var decision = DrainLoopRules.AfterPhase(PhaseRaceWinner.CancelNow, Book(SessionStop.None), Options);

        Assert.Equal(SessionStop.Cancelled, decision.Stop);
        Assert.Equal("\n[CANCELLED] Cancel requested (now) - current phase stopped and restored", decision.Line);
    }

    [Fact]
    public void AfterPhase_ZeroYieldLimit_StopsWithoutLine()
    {
        var decision = DrainLoopRules.AfterPhase(PhaseRaceWinner.ExecutorReported, Book(SessionStop.ZeroYieldLimit), Options);

        Assert.Equal(new StopDecision(SessionStop.ZeroYieldLimit), decision);
    }

    [Fact]
    public void AfterPhase_BatchComplete_LeftToTheCheckBeforeTheNextPhase()
    {
        var decision = DrainLoopRules.AfterPhase(PhaseRaceWinner.PhaseTimer, Book(SessionStop.BatchComplete), Options);

        Assert.False(decision.Stops);
    }

    [Theory]
    [InlineData(NoPickReason.BacklogEmpty, SessionStop.BacklogEmpty)]
    [InlineData(NoPickReason.AllSkipped, SessionStop.NoEligiblePhases)]
    public void NoPick_Reason_SessionStop(NoPickReason reason, SessionStop expected)
    {
        Assert.Equal(expected, DrainLoopRules.NoPick(reason));
    }
}
