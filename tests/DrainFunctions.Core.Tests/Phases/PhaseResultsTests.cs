using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Tests.Phases;

public class PhaseResultsTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PhaseCandidate Phase = new("run-a", "phase-1", 1, "ImportError: no module x");

    private static PhaseSettlement Restored(bool started = true) => new(true, PhaseStates.Executing, "ImportError: no module x", Restored: true, ExecutorMayHaveStarted: started);

    private static PhaseAttemptFacts Facts(PhaseRaceEnd race, PhaseSettlement settlement, long? telemetry = null) => new()
    {
        Phase = Phase,
        AttemptId = "att1",
        Race = race,
        Settlement = settlement,
        TelemetryDelta = telemetry,
        ElapsedSeconds = 42.5,
        Timestamp = At,
        PhaseTimeoutSeconds = 600,
        MaxTotalMinutes = 90,
        DefaultStdoutPath = "logs/stdout",
        DefaultStderrPath = "logs/stderr",
    };

    [Fact]
    public void Decide_AgentLostAfterStartAndRestored_LostWithTheAgentsSilence()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.AgentLost, Failure: "agent box-7 sent no heartbeat for 30 s"), Restored()));

        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
        Assert.Equal("Attempt att1: agent box-7 sent no heartbeat for 30 s; phase restored to FAILED", result.ErrorMessage);
        Assert.False(result.Success);
    }

    [Fact]
    public void Decide_AgentLostButPhaseSettledComplete_CreditedAsTheDatabaseSays()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.AgentLost, Failure: "agent box-7 sent no heartbeat for 30 s"), new PhaseSettlement(true, PhaseStates.Complete, null, false, true)));

        Assert.True(result.Success);
        Assert.Null(result.InterruptedBy);
    }

    [Fact]
    public void Decide_AgentLostBeforeTheExecutorStarted_SaysItNeverStarted()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.AgentLost, Failure: "agent box-7 sent no heartbeat for 30 s"), Restored(started: false)));

        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
        Assert.Equal("Attempt att1: agent box-7 sent no heartbeat for 30 s before the executor started; phase restored to FAILED", result.ErrorMessage);
    }

    [Fact]
    public void NotRun_PhaseNotInDatabase_NotFoundResult()
    {
        var result = PhaseResults.NotRun(Phase, new ExecutorReport { End = ExecutorRunEnd.NotFound }, At);

        Assert.NotNull(result);
        Assert.Equal(PhaseStates.NotFound, result.FinalState);
        Assert.Equal("Phase not found in database", result.ErrorMessage);
    }

    [Fact]
    public void NotRun_RequeueConflict_InterruptedWithTheStateFound()
    {
        var result = PhaseResults.NotRun(Phase, new ExecutorReport { End = ExecutorRunEnd.RequeueConflict, CurrentState = PhaseStates.Queued }, At);

        Assert.NotNull(result);
        Assert.Equal(PhaseInterruptions.RequeueConflict, result.InterruptedBy);
        Assert.Equal(PhaseStates.Queued, result.InitialState);
        Assert.Equal("Phase was QUEUED (not FAILED) when the drain tried to re-queue it; not run", result.ErrorMessage);
        Assert.Null(result.FailureFingerprint);
    }

    [Theory]
    [InlineData(ExecutorRunEnd.Exited)]
    [InlineData(ExecutorRunEnd.TimedOut)]
    [InlineData(ExecutorRunEnd.Adopted)]
    public void NotRun_ExecutorTouchedThePhase_Null(ExecutorRunEnd end)
    {
        Assert.Null(PhaseResults.NotRun(Phase, new ExecutorReport { End = end }, At));
    }

    [Fact]
    public void NotRun_NoReport_Null()
    {
        Assert.Null(PhaseResults.NotRun(Phase, null, At));
    }

    [Fact]
    public void Decide_ExecutorExitedCleanly_SettledStateAndReturnCode()
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport
        {
            End = ExecutorRunEnd.Exited,
            InitialState = PhaseStates.Failed,
            ReturnCode = 0,
            DurationSeconds = 120,
            StdoutPath = "out",
            StderrPath = "err",
        });

        var result = PhaseResults.Decide(Facts(race, new PhaseSettlement(true, PhaseStates.Complete, null, false, true), telemetry: 12));

        Assert.True(result.Success);
        Assert.Equal(PhaseStates.Complete, result.FinalState);
        Assert.Equal(0, result.SubprocessReturncode);
        Assert.Equal(120, result.SubprocessDurationSeconds);
        Assert.Equal("out", result.SubprocessStdoutPath);
        Assert.Equal(12, result.TelemetryEventsCollected);
        Assert.Null(result.InterruptedBy);
        Assert.Equal("2026-03-01T12:00:00+00:00", result.Timestamp);
    }

    [Fact]
    public void Decide_ExitedWithBoundaryMarkerBeyondExcerpt_LlmBoundaryZeroYield()
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport
        {
            End = ExecutorRunEnd.Exited,
            InitialState = PhaseStates.Failed,
            ReturnCode = 1,
            ReachedLlmBoundary = true,
        });

        var result = PhaseResults.Decide(Facts(race, new PhaseSettlement(true, PhaseStates.Failed, "max turns", false, true), telemetry: 0));

        Assert.True(result.ReachedLlmBoundary);
        Assert.Equal("llm_boundary_hit", result.ZeroYieldReason);
    }

    [Fact]
    public void Decide_PhaseGoneAfterAttempt_NotFound()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer), new PhaseSettlement(false, string.Empty, null, false, true)));

        Assert.Equal(PhaseStates.NotFound, result.FinalState);
    }

    [Fact]
    public void Decide_BudgetBeforeExecutorStarted_InterruptedByBudgetSaysNothingRan()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline), Restored(started: false)));

        Assert.Equal(PhaseInterruptions.Budget, result.InterruptedBy);
        Assert.Equal(PhaseStates.Interrupted, result.FinalState);
        Assert.Equal("Interrupted: total time budget of 90 minutes reached before the executor started; phase restored to FAILED", result.ErrorMessage);
    }

    [Fact]
    public void Decide_HostStoppedBeforeExecutorStartedAndPhaseLeft_LostNamesTheState()
    {
        var settled = new PhaseSettlement(true, PhaseStates.Queued, null, Restored: false, ExecutorMayHaveStarted: false);

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport { End = ExecutorRunEnd.Adopted, NeverStarted = true }), settled));

        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
        Assert.Equal(PhaseStates.Lost, result.FinalState);
        Assert.Equal("Attempt att1 was interrupted before its executor started (the drain's host stopped); the phase was left QUEUED", result.ErrorMessage);
    }

    [Fact]
    public void Decide_ActivityFailedBeforeStart_MessageNamesTheFailure()
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorFailed, Failure: "RunPhaseExecutor failed: IOException: disk full");

        var result = PhaseResults.Decide(Facts(race, Restored(started: false)));

        Assert.Equal("Executor activity failed before the executor started: RunPhaseExecutor failed: IOException: disk full; phase restored to FAILED", result.ErrorMessage);
        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
    }

    [Fact]
    public void Decide_PhaseTimerBeforeExecutorStarted_SaysItDidNotStart()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer), Restored(started: false)));

        Assert.Equal("Attempt att1: the executor did not start before the phase's deadline; phase restored to FAILED", result.ErrorMessage);
    }

    [Fact]
    public void Decide_BudgetCutRunningExecutor_StoppedAndRestoredMessage()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline), Restored()));

        Assert.Equal(PhaseInterruptions.Budget, result.InterruptedBy);
        Assert.Equal(PhaseResults.BudgetStoppedMessage(90), result.ErrorMessage);
        Assert.Equal("Interrupted: total time budget of 90 minutes reached; phase stopped and restored to FAILED", result.ErrorMessage);
        Assert.Equal(42.5, result.SubprocessDurationSeconds);
        Assert.Null(result.FailureFingerprint);
    }

    [Fact]
    public void Decide_CancelNowCutRunningExecutor_InterruptedByCancel()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.CancelNow), Restored()));

        Assert.Equal(PhaseInterruptions.Cancel, result.InterruptedBy);
        Assert.Equal("Interrupted: cancel requested (now); phase stopped and restored to FAILED", result.ErrorMessage);
    }

    [Fact]
    public void Decide_PhaseTimerWonAndPhaseRestored_TimeoutWithDefaultLogPaths()
    {
        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer), Restored(), telemetry: 3));

        Assert.True(result.IsTimeout);
        Assert.Equal(PhaseStates.Timeout, result.FinalState);
        Assert.Equal("Phase execution timed out after 600 seconds", result.ErrorMessage);
        Assert.Equal("logs/stdout", result.SubprocessStdoutPath);
        Assert.Equal("logs/stderr", result.SubprocessStderrPath);
        Assert.Equal(42.5, result.SubprocessDurationSeconds);
        Assert.Equal(3, result.TelemetryEventsCollected);
        Assert.NotNull(result.FailureFingerprint);
    }

    [Fact]
    public void Decide_ExecutorReportedTimeoutWithPaths_TimeoutKeepsReportedPathsAndDuration()
    {
        var report = new ExecutorReport { End = ExecutorRunEnd.TimedOut, DurationSeconds = 600, StdoutPath = "blob/out", StderrPath = "blob/err" };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), Restored()));

        Assert.True(result.IsTimeout);
        Assert.Equal("blob/out", result.SubprocessStdoutPath);
        Assert.Equal(600, result.SubprocessDurationSeconds);
    }

    [Fact]
    public void Decide_PhaseSettledItselfWithoutReason_ReturnCodeUnknownMessage()
    {
        var settled = new PhaseSettlement(true, PhaseStates.Failed, null, Restored: false, ExecutorMayHaveStarted: true);

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer), settled));

        Assert.False(result.Success);
        Assert.Null(result.SubprocessReturncode);
        Assert.Equal("Phase ended FAILED without a failure reason (executor return code unknown)", result.ErrorMessage);
        Assert.NotNull(result.FailureFingerprint);
    }

    [Fact]
    public void Decide_PhaseSettledItselfComplete_SuccessFromState()
    {
        var settled = new PhaseSettlement(true, PhaseStates.Complete, null, Restored: false, ExecutorMayHaveStarted: true);
        var report = new ExecutorReport { End = ExecutorRunEnd.Adopted, Adopted = true, AdoptedProcesses = 1, ReachedLlmBoundary = true };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), settled, telemetry: 5));

        Assert.True(result.Success);
        Assert.True(result.ReachedLlmBoundary);
        Assert.Equal(42.5, result.SubprocessDurationSeconds);
    }

    [Fact]
    public void Decide_ExecutorStoppedFromOutside_InterruptedByCancelWithReportedDuration()
    {
        var report = new ExecutorReport { End = ExecutorRunEnd.Stopped, DurationSeconds = 7 };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), Restored()));

        Assert.Equal(PhaseInterruptions.Cancel, result.InterruptedBy);
        Assert.Equal("Interrupted: executor stopped from outside; phase restored to FAILED", result.ErrorMessage);
        Assert.Equal(7, result.SubprocessDurationSeconds);
    }

    [Fact]
    public void Decide_AdoptedAttemptRanElsewhere_LostMessageNamesTheMachine()
    {
        var report = new ExecutorReport { End = ExecutorRunEnd.Adopted, Adopted = true, ElsewhereOn = "host-b" };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), Restored()));

        Assert.Equal(PhaseStates.Lost, result.FinalState);
        Assert.StartsWith("Attempt att1 ran on host-b, whose drain host stopped;", result.ErrorMessage, StringComparison.Ordinal);
        Assert.EndsWith("the phase was still EXECUTING at its deadline; phase restored to FAILED", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(result.SubprocessDurationSeconds);
    }

    [Fact]
    public void Decide_AdoptedProcessesEndedUnsettled_LostMessageSaysReturnCodeUnknown()
    {
        var report = new ExecutorReport { End = ExecutorRunEnd.Adopted, Adopted = true, AdoptedProcesses = 2 };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), Restored()));

        Assert.Contains("adopted after the restart, ended without settling the phase (still EXECUTING, return code unknown)", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AdoptedNoProcessLeft_LostMessageSaysNothingWasLeft()
    {
        var report = new ExecutorReport { End = ExecutorRunEnd.Adopted, Adopted = true };

        var result = PhaseResults.Decide(Facts(new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, report), Restored()));

        Assert.Contains("no process of the attempt was left after the restart", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ActivityFailedAfterStart_LostWithTheFailure()
    {
        var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorFailed, Failure: "RunPhaseExecutor failed: Win32Exception: denied");

        var result = PhaseResults.Decide(Facts(race, Restored()));

        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
        Assert.Equal("Executor activity failed: RunPhaseExecutor failed: Win32Exception: denied; phase restored to FAILED", result.ErrorMessage);
        Assert.Equal(42.5, result.SubprocessDurationSeconds);
    }
}
