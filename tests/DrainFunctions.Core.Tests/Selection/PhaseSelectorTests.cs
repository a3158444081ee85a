using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Selection;

public class PhaseSelectorTests
{
    private static readonly PhaseCandidate[] Backlog =
    [
        new("research-system-v6", "research-meta-analysis", 0, null),
        new("research-system-v4", "research-integration", 1, null),
        new("build130-schema-validation", "schema-validation-phase", 1, "Missing deliverable"),
        new("build130-schema-validation", "late-phase", 4, "timed out"),
        new("infra-v1", "queued-run-phase", 0, null, RunInFlightState: "QUEUED"),
    ];

    public static TheoryData<string, Action<PolicyState>, DrainOptions, string[], string?> SkipCases => new()
    {
        {
            "run-level in-flight guard on",
            _ => { },
            new DrainOptions { SkipRunsInFlight = true },
            ["  [SKIP] infra-v1/queued-run-phase: run infra-v1 has a phase in flight (QUEUED)"],
            "research-system-v6:research-meta-analysis"
        },
        {
            "defaults: a run with a phase in flight is drained (BUILD-132)",
            _ => { },
            new DrainOptions(),
            [],
            "infra-v1:queued-run-phase"
        },
        {
            "stopped run and timeouts",
            s =>
            {
                s.StoppedRuns.Add("research-system-v4");
                s.RunTimeouts["research-system-v6"] = 2;
            },
            new DrainOptions { SkipRunsInFlight = true },
            [
                "  [SKIP] infra-v1/queued-run-phase: run infra-v1 has a phase in flight (QUEUED)",
                "  [SKIP] research-system-v6/research-meta-analysis: run research-system-v6 has 2 timeouts (limit: 2)",
                "  [SKIP] research-system-v4/research-integration: run research-system-v4 deprioritized (too many repeat failures)",
            ],
            "build130-schema-validation:schema-validation-phase"
        },
        {
            "attempts from earlier sessions",
            s =>
            {
                s.PriorAttempts["research-system-v6:research-meta-analysis"] = 2;
                s.PriorAttempts["research-system-v4:research-integration"] = 1;
            },
            new DrainOptions { MaxAttemptsPerPhase = 2, SkipRunsInFlight = true },
            [
                "  [SKIP] infra-v1/queued-run-phase: run infra-v1 has a phase in flight (QUEUED)",
                "  [SKIP] research-system-v6/research-meta-analysis: phase already attempted 2 times (limit: 2)",
            ],
            "research-system-v4:research-integration"
        },
        {
            "run filter",
            _ => { },
            new DrainOptions { RunId = "build130-schema-validation" },
            [],
            "build130-schema-validation:schema-validation-phase"
        },
        {
            "skip prefixes",
            _ => { },
            new DrainOptions { SkipRunPrefixes = ["research-", "infra"] },
            [],
            "build130-schema-validation:schema-validation-phase"
        },
        {
            "processed keys are silent",
            s =>
            {
                s.ProcessedKeys.Add("research-system-v4:research-integration");
                s.ProcessedKeys.Add("research-system-v6:research-meta-analysis");
            },
            new DrainOptions(),
            [],
            "infra-v1:queued-run-phase"
        },
    };

    [Theory]
    [MemberData(nameof(SkipCases))]
    public void SelectNext_StopConditions_SkipsWithPythonLinesAndPicksNext(string scenario, Action<PolicyState> arrange, DrainOptions options, string[] expectedLines, string? expectedPick)
    {
        var state = new PolicyState();
        arrange(state);

        var outcome = PhaseSelector.SelectNext(Backlog, state, options);

        Assert.True(expectedPick == outcome.Selected?.Key, scenario);
        Assert.Equal(expectedLines, outcome.Lines);
    }

    [Fact]
    public void SelectNext_EverythingRuledOut_SaysNoEligiblePhases()
    {
        var state = new PolicyState { StoppedRuns = ["research-system-v4", "research-system-v6", "build130-schema-validation"] };

        var outcome = PhaseSelector.SelectNext(Backlog, state, new DrainOptions { SkipRunsInFlight = true });

        Assert.Null(outcome.Selected);
        Assert.Equal(NoPickReason.AllSkipped, outcome.NoPick);
        Assert.Equal(5, outcome.Skips.Count);
        Assert.Equal("  No eligible phases remaining after applying stop conditions", outcome.Lines.Last());
    }

    [Fact]
    public void SelectNext_EmptyBacklog_SaysNoMoreFailedPhases()
    {
        var outcome = PhaseSelector.SelectNext([], new PolicyState(), new DrainOptions());

        Assert.Equal(NoPickReason.BacklogEmpty, outcome.NoPick);
        Assert.Equal(["  No more failed phases to process"], outcome.Lines);
    }

    [Fact]
    public void SelectNext_AllProcessed_SaysNoMoreFailedPhases()
    {
        var state = new PolicyState();
        foreach (var candidate in Backlog)
        {
            state.ProcessedKeys.Add(candidate.Key);
        }

        Assert.Equal(NoPickReason.BacklogEmpty, PhaseSelector.SelectNext(Backlog, state, new DrainOptions()).NoPick);
    }

    [Fact]
    public void SelectNext_SampleFirst_PrefersUnsampledRunOverDeeperPhase()
    {
        PhaseCandidate[] backlog = [new("a", "p1", 0, null), new("a", "p2", 1, null), new("b", "p1", 5, null)];
        var state = new PolicyState { SampledRuns = ["a"] };
        var options = new DrainOptions { SampleFirst = true };

        Assert.Equal("b:p1", PhaseSelector.SelectNext(backlog, state, options).Selected?.Key);
        Assert.Equal("a:p1", PhaseSelector.SelectNext(backlog, state, options with { SampleFirst = false }).Selected?.Key);
    }

    [Fact]
    public void SelectNext_LedgerLimits_SkipsWithLedgerSuffix()
    {
        var ledger = new FixedLedger(stoppedRun: "research-system-v4", timeoutsRun: "research-system-v6");

        var outcome = PhaseSelector.SelectNext(Backlog, new PolicyState(), new DrainOptions { SkipRunsInFlight = true }, ledger);

        Assert.Contains("  [SKIP] research-system-v6/research-meta-analysis: run research-system-v6 has 2 timeouts (limit: 2) (ledger)", outcome.Lines);
        Assert.Contains("  [SKIP] research-system-v4/research-integration: run research-system-v4 deprioritized (too many repeat failures) (ledger)", outcome.Lines);
        Assert.Equal("build130-schema-validation:schema-validation-phase", outcome.Selected?.Key);
    }

    [Fact]
    public async Task SelectNextAsync_OrderedStream_StopsReadingAtFirstEligible()
    {
        var read = 0;
        async IAsyncEnumerable<PhaseCandidate> Stream()
        {
            foreach (var candidate in Backlog.Order(PhaseOrder.Instance))
            {
                read++;
                await Task.Yield();
                yield return candidate;
            }
        }

        var outcome = await PhaseSelector.SelectNextAsync(Stream(), new PolicyState(), new DrainOptions { SkipRunsInFlight = true });

        Assert.Equal("research-system-v6:research-meta-analysis", outcome.Selected?.Key);
        Assert.Equal(2, read);
    }

    private sealed class FixedLedger(string stoppedRun, string timeoutsRun) : ICrossSessionLimits
    {
        public int AttemptsOf(string phaseKey) => 0;

        public int TimeoutsOf(string runId) => runId == timeoutsRun ? 2 : 0;

        public bool IsRunStopped(string runId) => runId == stoppedRun;
    }
}
