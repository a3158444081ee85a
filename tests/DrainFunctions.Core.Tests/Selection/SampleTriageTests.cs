using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Selection;

public class SampleTriageTests
{
    private const string Repeated = "FAILED|rc1|importerror: cannot import module";

    private static readonly DrainOptions SampleFirst = new() { SampleFirst = true, BatchSize = 20, MaxFingerprintRepeats = 10 };

    private static DrainResult Result(string run, string phase, bool success = false, int? rc = 1, long? telemetry = 0, string? fingerprint = Repeated) => new()
    {
        RunId = run,
        PhaseId = phase,
        FinalState = success ? "COMPLETE" : rc is -1 ? "TIMEOUT" : "FAILED",
        Success = success,
        ErrorMessage = success ? null : "ImportError: cannot import module",
        SubprocessReturncode = rc,
        TelemetryEventsCollected = telemetry,
        FailureFingerprint = success ? null : fingerprint,
    };

    private static List<string> DryRun(PhaseCandidate[] backlog, DrainOptions options, List<string>? lines = null)
    {
        var state = new PolicyState();
        var picks = new List<string>();
        while (PhaseSelector.SelectNext(backlog, state, options).Selected is { } pick)
        {
            picks.Add(pick.Key);
            var printed = PolicyBookkeeper.RecordDryRunPick(state, pick, options);
            lines?.AddRange(printed);
        }

        return picks;
    }

    [Fact]
    public void RecordDryRunPick_SampleFirst_OnePhasePerRunFirstAsMeasuredOnTheTool()
    {
        // The issue's measurement on the original: FAILED a/p0..p2 (index 0-2) and b/p9.
        PhaseCandidate[] backlog = [new("run-a", "p0", 0, null), new("run-a", "p1", 1, null), new("run-a", "p2", 2, null), new("run-b", "p9", 9, null)];
        var lines = new List<string>();

        Assert.Equal(["run-a:p0", "run-b:p9", "run-a:p1", "run-a:p2"], DryRun(backlog, SampleFirst with { DryRun = true }, lines));
        Assert.Equal(["  [SAMPLE-OK] run-a: Promising (continue draining)", "  [SAMPLE-OK] run-b: Promising (continue draining)"], lines);
        Assert.Equal(["run-a:p0", "run-a:p1", "run-a:p2", "run-b:p9"], DryRun(backlog, new DrainOptions { DryRun = true }));
    }

    public static TheoryData<string, DrainResult, string> FirstResults => new()
    {
        { "success", Result("r", "p", success: true, rc: 0), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "failure with telemetry", Result("r", "p", telemetry: 3), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "timeout -1", Result("r", "p", rc: -1, fingerprint: Repeated), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "timeout 143", Result("r", "p", rc: 143, fingerprint: Repeated), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "new fingerprint", Result("r", "p", fingerprint: "FAILED|rc1|something else"), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "no fingerprint", Result("r", "p", fingerprint: null), "  [SAMPLE-OK] r: Promising (continue draining)" },
        { "unknown telemetry, repeating", Result("r", "p", telemetry: null), $"  [SAMPLE-SKIP] r: Deprioritized (repeating fingerprint: {Repeated}...)" },
        { "no telemetry, repeating", Result("r", "p"), $"  [SAMPLE-SKIP] r: Deprioritized (repeating fingerprint: {Repeated}...)" },
    };

    [Theory]
    [MemberData(nameof(FirstResults))]
    public void Record_FirstResultOfRun_JudgesTheRunLikeTheTool(string why, DrainResult result, string expected)
    {
        // An earlier run already failed with the repeated fingerprint.
        var state = new PolicyState();
        PolicyBookkeeper.Record(state, Result("earlier", "p"), SampleFirst);

        var book = PolicyBookkeeper.Record(state, result, SampleFirst);

        Assert.True(book.TriageLines.SequenceEqual([expected]), $"{why}: {string.Join(" | ", book.TriageLines)}");
        Assert.Contains("r", state.SampledRuns);
        Assert.Equal(expected.Contains("SAMPLE-OK", StringComparison.Ordinal), state.PromisingRuns.Contains("r"));
        Assert.Equal(expected.Contains("SAMPLE-SKIP", StringComparison.Ordinal), state.DeprioritizedRuns.Contains("r"));
    }

    [Fact]
    public void Record_LaterResultsOfSampledRun_JudgeNothing()
    {
        var state = new PolicyState();
        PolicyBookkeeper.Record(state, Result("a", "p0"), SampleFirst);

        var second = PolicyBookkeeper.Record(state, Result("a", "p1"), SampleFirst);

        Assert.Empty(second.TriageLines);
        Assert.Equal(["a"], state.PromisingRuns);
        Assert.Empty(state.DeprioritizedRuns);
    }

    [Fact]
    public void Record_InterruptedAttempt_SamplesNothing()
    {
        var state = new PolicyState();
        var interrupted = Result("a", "p0");
        interrupted.InterruptedBy = "budget";

        Assert.Empty(PolicyBookkeeper.Record(state, interrupted, SampleFirst).TriageLines);
        Assert.Empty(state.SampledRuns);
    }

    [Fact]
    public void Record_WithoutSampleFirst_KeepsTriageSetsEmpty()
    {
        var state = new PolicyState();
        var options = SampleFirst with { SampleFirst = false };
        PolicyBookkeeper.Record(state, Result("a", "p0"), options);

        Assert.Empty(PolicyBookkeeper.Record(state, Result("b", "p0"), options).TriageLines);
        Assert.Empty(state.SampledRuns);
        Assert.Empty(state.DeprioritizedRuns);
    }

    [Fact]
    public void AfterPhase_DeprioritizedSampleAndStop_VerdictBeforeOutcomeStopAfter()
    {
        var state = new PolicyState();
        var options = SampleFirst with { MaxFingerprintRepeats = 2 };
        PolicyBookkeeper.Record(state, Result("a", "p0"), options);
        var result = Result("b", "p0");

        var lines = ProgressLines.AfterPhase(result, PolicyBookkeeper.Record(state, result, options)).ToList();

        Assert.Equal(
        [
            $"  [SAMPLE-SKIP] b: Deprioritized (repeating fingerprint: {Repeated}...)",
            "  [FAIL] Failed: FAILED",
            "    Error: ImportError: cannot import module",
            "    [TELEMETRY] +0 events (0.00/min)",
            "    [STOP] Fingerprint repeated 2x - deprioritizing run b",
        ], lines);
    }

    [Fact]
    public void Record_LongFingerprint_ShowsFirst80CodePoints()
    {
        var fingerprint = "FAILED|rc1|" + string.Concat(Enumerable.Repeat("\U0001D7D9x", 60));
        var state = new PolicyState();
        PolicyBookkeeper.Record(state, Result("a", "p0", fingerprint: fingerprint), SampleFirst);

        var line = Assert.Single(PolicyBookkeeper.Record(state, Result("b", "p0", fingerprint: fingerprint), SampleFirst).TriageLines);

        // 11 ASCII code points, then 69 of "𝟙x" pairs: 34 pairs (3 UTF-16 units each) and one 𝟙 (2 units).
        var shown = fingerprint[..(11 + (34 * 3) + 2)];
        Assert.Equal($"  [SAMPLE-SKIP] b: Deprioritized (repeating fingerprint: {shown}...)", line);
    }

    [Fact]
    public void SelectNext_DeprioritizedRun_SkippedWithTriageReason()
    {
        PhaseCandidate[] backlog = [new("b", "p0", 0, null), new("a", "p5", 5, null)];
        var state = new PolicyState { SampledRuns = ["a", "b"], PromisingRuns = ["a"], DeprioritizedRuns = ["b"] };

        var outcome = PhaseSelector.SelectNext(backlog, state, SampleFirst);

        Assert.Equal("a:p5", outcome.Selected?.Key);
        Assert.Equal(["  [SKIP] b/p0: run b deprioritized (sample-first triage)"], outcome.Lines);
    }

    [Fact]
    public void SelectNext_OnlyDeprioritizedRunsLeft_NothingDrained()
    {
        PhaseCandidate[] backlog = [new("b", "p0", 0, null), new("b", "p1", 1, null)];
        var state = new PolicyState { SampledRuns = ["a", "b"], PromisingRuns = ["a"], DeprioritizedRuns = ["b"] };

        var outcome = PhaseSelector.SelectNext(backlog, state, SampleFirst);

        Assert.Null(outcome.Selected);
        Assert.Equal(NoPickReason.AllSkipped, outcome.NoPick);
        Assert.Equal(
        [
            "  [SKIP] b/p0: run b deprioritized (sample-first triage)",
            "  [SKIP] b/p1: run b deprioritized (sample-first triage)",
            SelectionOutcome.AllSkippedLine,
        ], outcome.Lines);
    }

    [Fact]
    public void SelectNext_UnsampledAfterPromisingAndSkipped_PicksUnsampledWithSkipLinesOfCandidatesRead()
    {
        PhaseCandidate[] backlog = [new("a", "p1", 1, null), new("b", "p2", 2, null), new("c", "p9", 9, null), new("d", "p9", 9, null)];
        var state = new PolicyState { SampledRuns = ["a", "b"], PromisingRuns = ["a"], DeprioritizedRuns = ["b"] };

        var outcome = PhaseSelector.SelectNext(backlog, state, SampleFirst);

        Assert.Equal("c:p9", outcome.Selected?.Key);
        Assert.Equal(["  [SKIP] b/p2: run b deprioritized (sample-first triage)"], outcome.Lines);
    }

    [Fact]
    public void SelectNext_SampledRunNeitherPromisingNorDeprioritized_RankedAfterPromising()
    {
        PhaseCandidate[] backlog = [new("a", "p0", 0, null), new("b", "p5", 5, null)];
        var state = new PolicyState { SampledRuns = ["a", "b"], PromisingRuns = ["b"] };

        Assert.Equal("b:p5", PhaseSelector.SelectNext(backlog, state, SampleFirst).Selected?.Key);
        Assert.Equal("a:p0", PhaseSelector.SelectNext(backlog[..1], state, SampleFirst).Selected?.Key);
    }

    [Fact]
    public void SelectNext_DeprioritizedRunsWithoutSampleFirst_NotSkipped()
    {
        // A resumed session file may carry triage sets; without --sample-first they do not apply.
        PhaseCandidate[] backlog = [new("b", "p0", 0, null)];
        var state = new PolicyState { SampledRuns = ["b"], DeprioritizedRuns = ["b"] };

        var outcome = PhaseSelector.SelectNext(backlog, state, new DrainOptions());

        Assert.Equal("b:p0", outcome.Selected?.Key);
        Assert.Empty(outcome.Lines);
    }

    [Fact]
    public void Drain_SampleFirst_RepeatingRunDeprioritizedAndItsPhasesSkipped()
    {
        // Core only: selection and bookkeeping in a loop, results from a script by run.
        PhaseCandidate[] backlog =
        [
            new("run-a", "p0", 0, null), new("run-a", "p1", 1, null),
            new("run-b", "p0", 0, null), new("run-b", "p1", 1, null),
            new("run-c", "p0", 0, null),
        ];
        var state = new PolicyState();
        var lines = new List<string>();
        var picks = new List<string>();
        while (PhaseSelector.SelectNext(backlog, state, SampleFirst) is var outcome)
        {
            lines.AddRange(outcome.Lines);
            if (outcome.Selected is not { } pick)
            {
                break;
            }

            picks.Add(pick.Key);
            var result = pick.RunId == "run-c" ? Result(pick.RunId, pick.PhaseId, success: true, rc: 0, telemetry: 2) : Result(pick.RunId, pick.PhaseId);
            lines.AddRange(PolicyBookkeeper.Record(state, result, SampleFirst).TriageLines);
        }

        Assert.Equal(["run-a:p0", "run-b:p0", "run-c:p0", "run-a:p1"], picks);
        Assert.Equal(
        [
            "  [SAMPLE-OK] run-a: Promising (continue draining)",
            $"  [SAMPLE-SKIP] run-b: Deprioritized (repeating fingerprint: {Repeated}...)",
            "  [SAMPLE-OK] run-c: Promising (continue draining)",
            "  [SKIP] run-b/p1: run run-b deprioritized (sample-first triage)",
            "  [SKIP] run-b/p1: run run-b deprioritized (sample-first triage)",
            SelectionOutcome.AllSkippedLine,
        ], lines);
        Assert.Equal(["run-a", "run-b", "run-c"], state.SampledRuns);
        Assert.Equal(["run-a", "run-c"], state.PromisingRuns);
        Assert.Equal(["run-b"], state.DeprioritizedRuns);
    }
}
