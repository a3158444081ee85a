using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Sessions;

public class PolicyBookkeeperTests
{
    private static DrainResult Result(string run, string phase, bool success = false, int? rc = 1, long? telemetry = 0, string? fingerprint = "FAILED|rc1|boom", string? interruptedBy = null) => new()
    {
        RunId = run,
        PhaseId = phase,
        FinalState = success ? "COMPLETE" : "FAILED",
        Success = success,
        SubprocessReturncode = rc,
        TelemetryEventsCollected = telemetry,
        FailureFingerprint = success ? null : fingerprint,
        InterruptedBy = interruptedBy,
    };

    [Fact]
    public void Record_MixedResults_UpdatesTotalsLikePythonTool()
    {
        var state = new PolicyState();
        var options = new DrainOptions { BatchSize = 10 };

        PolicyBookkeeper.Record(state, Result("a", "1", success: true, rc: 0, telemetry: 15), options);
        PolicyBookkeeper.Record(state, Result("a", "2", rc: -1, fingerprint: "TIMEOUT|timeout|x"), options);
        PolicyBookkeeper.Record(state, Result("b", "1", rc: 143, telemetry: null, fingerprint: "TIMEOUT|timeout143|x"), options);
        PolicyBookkeeper.Record(state, Result("b", "2", telemetry: 4), options);

        Assert.Equal(4, state.TotalProcessed);
        Assert.Equal(1, state.TotalSuccess);
        Assert.Equal(3, state.TotalFailed);
        Assert.Equal(2, state.TotalTimeouts);
        Assert.Equal(19, state.TotalTelemetryEvents);
        Assert.Equal(0, state.ConsecutiveZeroYield);
        Assert.Equal(1, state.TimeoutsOf("a"));
        Assert.Equal(1, state.TimeoutsOf("b"));
        Assert.Equal(["a:1", "a:2", "b:1", "b:2"], state.ProcessedKeys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Record_FingerprintReachesLimit_StopsFingerprintAndRunOnce()
    {
        var state = new PolicyState();
        var options = new DrainOptions { MaxFingerprintRepeats = 3, BatchSize = 50 };

        var lines = new List<string>();
        lines.AddRange(PolicyBookkeeper.Record(state, Result("r1", "1"), options).Lines);
        lines.AddRange(PolicyBookkeeper.Record(state, Result("r2", "1"), options).Lines);
        lines.AddRange(PolicyBookkeeper.Record(state, Result("r1", "2"), options).Lines);
        lines.AddRange(PolicyBookkeeper.Record(state, Result("r1", "3"), options).Lines);
        lines.AddRange(PolicyBookkeeper.Record(state, Result("r3", "1"), options).Lines);

        Assert.Equal(5, state.FingerprintCounts["FAILED|rc1|boom"]);
        Assert.Equal(["FAILED|rc1|boom"], state.StoppedFingerprints);
        Assert.Equal(["r1", "r3"], state.StoppedRuns);
        Assert.Equal(
            ["    [STOP] Fingerprint repeated 3x - deprioritizing run r1", "    [STOP] Fingerprint repeated 5x - deprioritizing run r3"],
            lines);
    }

    [Theory]
    [InlineData(3, 3, SessionStop.ZeroYieldLimit)]
    [InlineData(3, 2, SessionStop.None)]
    [InlineData(null, 5, SessionStop.None)]
    public void Record_ZeroYieldStreak_StopsAtLimit(int? limit, int zeroYieldPhases, SessionStop expected)
    {
        var state = new PolicyState();
        var options = new DrainOptions { BatchSize = 100, MaxConsecutiveZeroYield = limit, MaxFingerprintRepeats = 100 };
        PolicyBookkeeper.Record(state, Result("r", "yielding", telemetry: 5), options);

        var stop = SessionStop.None;
        for (var i = 0; i < zeroYieldPhases; i++)
        {
            stop = PolicyBookkeeper.Record(state, Result("r", $"p{i}", telemetry: i % 2 == 0 ? 0 : null), options).Stop;
        }

        Assert.Equal(expected, stop);
        Assert.Equal(zeroYieldPhases, state.ConsecutiveZeroYield);
    }

    [Fact]
    public void Record_InterruptedAttempt_NeitherFingerprintsNorGrowsStreak()
    {
        var state = new PolicyState();
        var result = Result("r", "p", rc: null, telemetry: null, fingerprint: null, interruptedBy: "budget");

        PolicyBookkeeper.Record(state, result, new DrainOptions());

        Assert.Equal(1, state.TotalProcessed);
        Assert.Equal(1, state.TotalFailed);
        Assert.Equal(0, state.TotalTimeouts);
        Assert.Equal(0, state.ConsecutiveZeroYield);
        Assert.Empty(state.FingerprintCounts);
    }

    [Fact]
    public void Record_BatchFull_StopsWithBatchComplete()
    {
        var state = new PolicyState();
        var options = new DrainOptions { BatchSize = 2 };

        Assert.Equal(SessionStop.None, PolicyBookkeeper.Record(state, Result("r", "1", success: true, rc: 0), options).Stop);
        Assert.Equal(SessionStop.BatchComplete, PolicyBookkeeper.Record(state, Result("r", "2", success: true, rc: 0), options).Stop);
    }

    [Fact]
    public void Record_SampleFirst_TracksSampledPromisingAndDeprioritizedRuns()
    {
        var state = new PolicyState();
        var options = new DrainOptions { SampleFirst = true, BatchSize = 10, MaxFingerprintRepeats = 10 };

        PolicyBookkeeper.Record(state, Result("good", "1", success: true, rc: 0, telemetry: 3), options);
        PolicyBookkeeper.Record(state, Result("bad1", "1"), options);
        PolicyBookkeeper.Record(state, Result("bad2", "1"), options);

        Assert.Equal(["good", "bad1", "bad2"], state.SampledRuns);
        // bad1's failure is the first with its fingerprint (promising); bad2 repeats it.
        Assert.Equal(["good", "bad1"], state.PromisingRuns);
        Assert.Equal(["bad2"], state.DeprioritizedRuns);
    }

    [Fact]
    public void TimeLimitLine_Minutes_NamesTheLimit()
    {
        Assert.Equal("  [TIME LIMIT] Reached max total time (60m)", PolicyBookkeeper.TimeLimitLine(new DrainOptions { MaxTotalMinutes = 60 }));
    }
}
