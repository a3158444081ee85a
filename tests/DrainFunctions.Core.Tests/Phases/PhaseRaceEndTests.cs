using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Tests.Phases;

public class PhaseRaceEndTests
{
    [Theory]
    [InlineData(PhaseRaceWinner.BudgetDeadline, "budget")]
    [InlineData(PhaseRaceWinner.CancelNow, "cancel")]
    [InlineData(PhaseRaceWinner.PhaseTimer, null)]
    [InlineData(PhaseRaceWinner.ExecutorReported, null)]
    [InlineData(PhaseRaceWinner.ExecutorFailed, null)]
    public void InterruptedBy_EachWinner_OnlySessionCutsName(PhaseRaceWinner winner, string? expected)
    {
        Assert.Equal(expected, new PhaseRaceEnd(winner).InterruptedBy);
    }

    [Theory]
    [InlineData(PhaseRaceWinner.PhaseTimer, true)]
    [InlineData(PhaseRaceWinner.BudgetDeadline, true)]
    [InlineData(PhaseRaceWinner.CancelNow, true)]
    [InlineData(PhaseRaceWinner.ExecutorReported, false)]
    [InlineData(PhaseRaceWinner.ExecutorFailed, false)]
    public void AttemptMayStillRun_EachWinner_TrueWhenTheExecutorSideDidNotAnswer(PhaseRaceWinner winner, bool expected)
    {
        Assert.Equal(expected, new PhaseRaceEnd(winner).AttemptMayStillRun);
    }

    [Fact]
    public void TimedOut_ExecutorReportedItsOwnTimeout_True()
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport { End = ExecutorRunEnd.TimedOut });

        Assert.True(race.TimedOut);
        Assert.False(race.PhaseTimerFired);
    }

    [Fact]
    public void TimedOut_BudgetWon_False()
    {
        Assert.False(new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline).TimedOut);
    }

    [Theory]
    [InlineData(ExecutorRunEnd.Exited, 0, 0, true)]
    [InlineData(ExecutorRunEnd.Exited, 1, 0, false)]
    [InlineData(ExecutorRunEnd.Adopted, null, 2, true)]
    [InlineData(ExecutorRunEnd.Adopted, null, 0, false)]
    [InlineData(ExecutorRunEnd.Stopped, 0, 0, false)]
    public void WaitForSettle_Report_OnlyWhenThePhaseMayStillWriteItsOutcome(ExecutorRunEnd end, int? returnCode, int adoptedProcesses, bool expected)
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport { End = end, ReturnCode = returnCode, AdoptedProcesses = adoptedProcesses });

        Assert.Equal(expected, race.WaitForSettle);
    }

    [Fact]
    public void RestoreReasonsFor_TimedOut_TimeoutReasonWithTheLimit()
    {
        var phase = new PhaseCandidate("r", "p", 0, "ImportError");

        Assert.Equal("Phase execution timed out after 900 seconds (batch drain)", RestoreReasons.For(new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer), phase, 900));
    }

    [Fact]
    public void RestoreReasonsFor_CutBySession_KeepsThePhaseOwnReason()
    {
        var phase = new PhaseCandidate("r", "p", 0, "ImportError");

        Assert.Equal("ImportError", RestoreReasons.For(new PhaseRaceEnd(PhaseRaceWinner.CancelNow), phase, 900));
        Assert.Equal(string.Empty, RestoreReasons.For(new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline), phase with { LastFailureReason = null }, 900));
    }
}
