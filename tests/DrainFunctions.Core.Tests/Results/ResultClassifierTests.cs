using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Tests.Results;

public class ResultClassifierTests
{
    private static PhaseOutcome Outcome(string state = "FAILED", string? reason = null, int? rc = 0, string stdout = "", string stderr = "", long? delta = 0) => new()
    {
        FinalState = state,
        LastFailureReason = reason,
        ReturnCode = rc,
        Stdout = stdout,
        Stderr = stderr,
        StdoutPath = "logs/r__p.stdout.txt",
        StderrPath = "logs/r__p.stderr.txt",
        DurationSeconds = 240,
        TelemetryDelta = delta,
    };

    [Fact]
    public void ErrorMessage_Success_IsNull()
    {
        Assert.Null(ResultClassifier.ErrorMessage(Outcome(state: "COMPLETE", reason: "old reason")));
    }

    [Fact]
    public void ErrorMessage_FailureReasonRecorded_UsesItFirst()
    {
        Assert.Equal("CI collection/import error", ResultClassifier.ErrorMessage(Outcome(reason: "CI collection/import error", rc: 1, stderr: "boom")));
    }

    [Fact]
    public void ErrorMessage_NonZeroExitWithStderr_NamesLogAndFirst300Chars()
    {
        var stderr = new string('e', 400);
        Assert.Equal($"subprocess exit 2 (stderr: logs/r__p.stderr.txt) | {new string('e', 300)}", ResultClassifier.ErrorMessage(Outcome(rc: 2, stderr: stderr)));
    }

    [Fact]
    public void ErrorMessage_NonZeroExitWithoutStderr_NamesLogOnly()
    {
        Assert.Equal("subprocess exit 1 (stderr: logs/r__p.stderr.txt)", ResultClassifier.ErrorMessage(Outcome(rc: 1)));
    }

    [Fact]
    public void ErrorMessage_ExitZeroWithStderr_Quotes500Chars()
    {
        var stderr = new string('w', 600);
        Assert.Equal($"exit 0 but stderr present (see logs/r__p.stderr.txt): {new string('w', 500)}", ResultClassifier.ErrorMessage(Outcome(stderr: stderr)));
    }

    [Fact]
    public void ErrorMessage_ExitZeroWithStdoutOnly_Quotes500Chars()
    {
        Assert.Equal("exit 0 but not COMPLETE (see logs/r__p.stdout.txt): done?", ResultClassifier.ErrorMessage(Outcome(stdout: "done?")));
    }

    [Fact]
    public void ErrorMessage_ExitZeroNoOutput_NamesBothLogs()
    {
        Assert.Equal("exit 0 but not COMPLETE (empty output, see logs/r__p.stdout.txt, logs/r__p.stderr.txt)", ResultClassifier.ErrorMessage(Outcome()));
    }

    [Fact]
    public void ErrorMessage_TokenEscalation_AddsRetryableNote()
    {
        Assert.Equal(
            "TOKEN_ESCALATION: budget exceeded [RETRYABLE: token budget escalation needed]",
            ResultClassifier.ErrorMessage(Outcome(reason: "TOKEN_ESCALATION: budget exceeded", rc: 1)));
    }

    [Theory]
    [InlineData("Error: context_length_exceeded", true)]
    [InlineData("Hit MAX_TURNS", true)]
    [InlineData("Conversation too long for model", true)]
    [InlineData("plain failure", false)]
    public void ReachedLlmBoundary_Output_DetectsMarkersCaseInsensitively(string output, bool expected)
    {
        Assert.Equal(expected, ResultClassifier.ReachedLlmBoundary(output, string.Empty));
        Assert.Equal(expected, ResultClassifier.ReachedLlmBoundary(string.Empty, output));
    }

    [Theory]
    [InlineData(true, 0, 0L, "", "success_no_llm_calls")]
    [InlineData(true, 0, 5L, "", null)]
    [InlineData(false, -1, 0L, "", "timeout")]
    [InlineData(false, 143, null, "", "timeout")]
    [InlineData(false, 1, 0L, "max tokens reached", "llm_boundary_hit")]
    [InlineData(false, 1, 0L, "Database error: locked", "failed_before_llm")]
    [InlineData(false, 0, 0L, "Permission denied", "failed_before_llm")]
    [InlineData(false, 2, 0L, "segfault", "execution_error")]
    [InlineData(false, 0, null, "", "unknown")]
    [InlineData(false, null, 0L, "", "unknown")]
    public void ZeroYieldReason_Outcome_FollowsPythonOrder(bool success, int? rc, long? delta, string output, string? expected)
    {
        Assert.Equal(expected, ResultClassifier.ZeroYieldReason(success, rc, delta, output, string.Empty));
    }

    [Theory]
    [InlineData(15L, 240.0, 3.75)]
    [InlineData(1L, 7.0, 8.57)]
    [InlineData(0L, 240.0, null)]
    [InlineData(null, 240.0, null)]
    [InlineData(5L, 0.0, null)]
    public void YieldPerMinute_DeltaAndDuration_RoundsToTwoDecimals(long? delta, double seconds, double? expected)
    {
        Assert.Equal(expected, ResultClassifier.YieldPerMinute(delta, seconds));
    }

    [Fact]
    public void Completed_FailedOutcome_FillsEveryField()
    {
        var phase = new PhaseCandidate("run-a", "phase-1", 3, "patch failed");
        var outcome = Outcome(reason: "ImportError at line 5", rc: 1, stdout: new string('o', 700), stderr: "trace", delta: 0);

        var result = DrainResults.Completed(phase, "FAILED", outcome, new DateTimeOffset(2025, 12, 28, 6, 1, 0, TimeSpan.Zero));

        Assert.False(result.Success);
        Assert.Equal("ImportError at line 5", result.ErrorMessage);
        Assert.Equal("FAILED|rc1|importerror at line num", result.FailureFingerprint);
        Assert.Equal(500, result.SubprocessStdoutExcerpt!.Length);
        Assert.Equal("execution_error", result.ZeroYieldReason);
        Assert.Equal("2025-12-28T06:01:00+00:00", result.Timestamp);
        Assert.Equal(3, result.PhaseIndex);
    }

    [Fact]
    public void TimedOut_AnyLimit_SaysRealLimitAndSharesFingerprint()
    {
        var phase = new PhaseCandidate("run-a", "phase-1", 0, null);
        var at = DateTimeOffset.UnixEpoch;

        var short1 = DrainResults.TimedOut(phase, "FAILED", 600, Outcome(delta: 0), at);
        var long1 = DrainResults.TimedOut(phase, "FAILED", 900, Outcome(delta: 0), at);

        Assert.Equal("Phase execution timed out after 600 seconds", short1.ErrorMessage);
        Assert.Equal("TIMEOUT", short1.FinalState);
        Assert.Equal(-1, short1.SubprocessReturncode);
        Assert.Equal("timeout", short1.ZeroYieldReason);
        Assert.Equal(short1.FailureFingerprint, long1.FailureFingerprint);
        Assert.Equal("TIMEOUT|timeout|phase execution timed out after num seconds", short1.FailureFingerprint);
    }

    [Fact]
    public void NotFound_MissingPhase_HasPythonMessage()
    {
        var result = DrainResults.NotFound(new PhaseCandidate("r", "p", 0, null), DateTimeOffset.UnixEpoch);

        Assert.Equal("NOT_FOUND", result.FinalState);
        Assert.Equal("Phase not found in database", result.ErrorMessage);
    }
}

public class PyFloatTests
{
    [Theory]
    [InlineData(2.675, 2, 2.67)]
    [InlineData(0.125, 2, 0.12)]
    [InlineData(0.375, 2, 0.38)]
    [InlineData(1.005, 2, 1.0)]
    [InlineData(2.5, 0, 2.0)]
    [InlineData(3.5, 0, 4.0)]
    [InlineData(-0.125, 2, -0.12)]
    [InlineData(123456.789, 1, 123456.8)]
    public void Round_Value_MatchesPythonRound(double value, int digits, double expected)
    {
        Assert.Equal(expected, PyFloat.Round(value, digits));
    }

    [Theory]
    [InlineData(0.125, 2, "0.12")]
    [InlineData(30.0, 1, "30.0")]
    [InlineData(2.45, 2, "2.45")]
    [InlineData(0.0, 2, "0.00")]
    public void FormatFixed_Value_MatchesPythonFormat(double value, int digits, string expected)
    {
        Assert.Equal(expected, PyFloat.FormatFixed(value, digits));
    }
}
