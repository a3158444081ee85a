using System.Globalization;
using System.Xml.Linq;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation.Tests;

/// <summary>Issue 13 on the simulated clock: K phases in flight, never two of one run, the same stops.</summary>
public class ParallelDrainTests
{
    public static TheoryData<int, string, double?> SequentialCases => new()
    {
        { 42, PolicyPreset.V2, null },
        { 42, PolicyPreset.V1, null },
        { 42, PolicyPreset.Conservative, null },
        { 7, PolicyPreset.HighThroughput, null },
        { 7, PolicyPreset.Telemetry, 150.0 },
        { 3, PolicyPreset.V2, 200.0 },
    };

    [Theory]
    [MemberData(nameof(SequentialCases))]
    public void Run_OneSlot_SameAsTheSequentialLoop(int seed, string policy, double? budgetMinutes)
    {
        var preset = PolicyPreset.Find(policy)!;
        var model = BacklogGenerator.Generate(seed, 200, 12);
        var options = preset.Options with { BatchSize = 200, MaxTotalMinutes = budgetMinutes ?? preset.Options.MaxTotalMinutes, Parallel = 1 };

        var board = SimulatedDrain.Run(options, new SimulatedEnvironment(model, preset.DeprioritizeTimeouts));
        var sequential = SequentialLoop(options, new SimulatedEnvironment(model, preset.DeprioritizeTimeouts));

        Assert.True(board.Picks.Count >= 5, $"{board.Picks.Count} picks");
        Assert.Equal(sequential.Picks, board.Picks);
        Assert.Equal(Describe(sequential.Results), Describe(board.Results));
        Assert.Equal(sequential.Lines, board.Lines);
        Assert.Equal(sequential.Skips, board.Skips);
        Assert.Equal(sequential.Stop, board.Stop);
        Assert.Equal(sequential.EndedAt, board.EndedAt);
        Assert.Equal(Totals(sequential.State), Totals(board.State));
        Assert.Equal(sequential.State.StoppedRuns, board.State.StoppedRuns);
        Assert.All(board.Spans, s => Assert.Equal(1, s.Slot));
    }

    [Theory]
    [InlineData(PolicyPreset.V2)]
    [InlineData(PolicyPreset.Conservative)]
    [InlineData(PolicyPreset.V1)]
    public void Run_ThreeSlots_NoTwoPhasesOfOneRunOverlap(string policy)
    {
        var preset = PolicyPreset.Find(policy)!;
        var model = BacklogGenerator.Generate(42, 200, 12);

        var run = SimulatedDrain.Run(preset.Options with { BatchSize = 200, Parallel = 3 }, new SimulatedEnvironment(model, preset.DeprioritizeTimeouts));

        Assert.Equal(3, run.Slots);
        Assert.Equal(run.Results.Select(r => r.Key), run.Spans.Select(s => s.Key));
        Assert.Empty(SameRunOverlaps(run.Spans));

        // The check means something only if the drain did run three phases at once.
        Assert.Equal(3, MostAtOnce(run.Spans));
        Assert.Equal([1, 2, 3], run.Spans.Select(s => s.Slot).Distinct().Order());
    }

    [Fact]
    public void Run_ThreeSlots_ResultsInCompletionOrder()
    {
        var model = BacklogGenerator.Generate(42, 200, 12);

        var run = SimulatedDrain.Run(new DrainOptions { BatchSize = 200, Parallel = 3 }, new SimulatedEnvironment(model));

        Assert.Equal(run.Spans.OrderBy(s => s.EndedAt).Select(s => s.Key), run.Spans.Select(s => s.Key));
        Assert.NotEqual(run.Picks, run.Results.Select(r => r.Key));
        Assert.Equal(run.Picks.Order(StringComparer.Ordinal), run.Results.Select(r => r.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Run_ThreeSlots_NeverMoreResultsThanTheBatch(int batch)
    {
        var model = BacklogGenerator.Generate(3, 60, 6);

        var run = SimulatedDrain.Run(new DrainOptions { BatchSize = batch, Parallel = 3 }, new SimulatedEnvironment(model));

        Assert.Equal(SessionStop.BatchComplete, run.Stop);
        Assert.Equal(batch, run.Picks.Count);
        Assert.Equal(batch, run.Results.Count);
        Assert.Equal(batch, run.State.TotalProcessed);
        Assert.True(MostAtOnce(run.Spans) > 1);
    }

    [Fact]
    public void Run_ThreeSlotsAtTheBudget_EveryPhaseInFlightCutAndCounted()
    {
        // Five runs of hangs: three start together, the phase timer (10 min) ends them, three more
        // start at 10 min, and the 15-minute budget cuts every one of those.
        var model = TestModels.Of(Enumerable.Range(0, 5).Select(i => TestModels.Phase($"run{i}", 0, PhaseNature.Hang)).ToArray());
        var options = new DrainOptions { BatchSize = 50, PhaseTimeoutSeconds = 600, MaxTotalMinutes = 15, MaxTimeoutsPerRun = 5, Parallel = 3 };

        var run = SimulatedDrain.Run(options, new SimulatedEnvironment(model));

        var deadline = run.StartedAt + TimeSpan.FromMinutes(15);
        Assert.Equal(SessionStop.TimeLimit, run.Stop);
        Assert.Equal(5, run.Results.Count);
        Assert.Equal(5, run.State.TotalProcessed);
        var cut = run.Results.Where(r => r.InterruptedBy == PhaseInterruptions.Budget).ToList();
        Assert.Equal(2, cut.Count);
        Assert.All(cut, r => Assert.Equal(300, r.SubprocessDurationSeconds));
        Assert.All(run.Spans, s => Assert.True(s.EndedAt <= deadline));
        Assert.Equal(2, run.Spans.Count(s => s.EndedAt == deadline));
        Assert.Equal(deadline, run.EndedAt);
        Assert.Single(run.Lines, l => l == PolicyBookkeeper.TimeLimitLine(options));
    }

    [Fact]
    public void Run_ThreeSlotsBudgetOnGeneratedBacklog_NothingOutlivesTheDeadline()
    {
        var model = BacklogGenerator.Generate(42, 200, 12);
        var options = new DrainOptions { BatchSize = 200, MaxTotalMinutes = 90, Parallel = 3 };

        var run = SimulatedDrain.Run(options, new SimulatedEnvironment(model));

        var deadline = run.StartedAt + TimeSpan.FromMinutes(90);
        Assert.Equal(SessionStop.TimeLimit, run.Stop);
        Assert.Equal(run.Results.Count, run.State.TotalProcessed);
        Assert.Equal(run.Picks.Count, run.Results.Count);
        Assert.All(run.Spans, s => Assert.True(s.EndedAt <= deadline));
        var atDeadline = run.Spans.Where(s => s.EndedAt == deadline).Select(s => s.Key).ToHashSet();
        Assert.InRange(atDeadline.Count, 1, 3);
        Assert.Equal(atDeadline, run.Results.Where(r => r.InterruptedBy == PhaseInterruptions.Budget).Select(r => r.Key).ToHashSet());
        Assert.Empty(SameRunOverlaps(run.Spans));
    }

    [Fact]
    public void Run_ThreeSlotsRunStoppedWhileOthersInFlight_NoNewPhaseOfIt()
    {
        // run a fails the same way three times: the repeat stops it; b and c keep their slots.
        var model = TestModels.Of(
            TestModels.Phase("a", 0, PhaseNature.Deterministic),
            TestModels.Phase("a", 1, PhaseNature.Deterministic),
            TestModels.Phase("a", 2, PhaseNature.Deterministic),
            TestModels.Phase("a", 3, PhaseNature.QuickSuccess),
            TestModels.Phase("bb", 0, PhaseNature.SlowSuccess),
            TestModels.Phase("ccc", 0, PhaseNature.SlowSuccess));
        var options = new DrainOptions { BatchSize = 50, MaxFingerprintRepeats = 2, Parallel = 3 };

        var run = SimulatedDrain.Run(options, new SimulatedEnvironment(model));

        Assert.Contains("a", run.State.StoppedRuns);
        Assert.DoesNotContain("a:phase-03", run.Picks);
        Assert.Contains("bb:phase-00", run.Picks);
        Assert.Contains("ccc:phase-00", run.Picks);
        Assert.Empty(SameRunOverlaps(run.Spans));
        Assert.Equal(SessionStop.NoEligiblePhases, run.Stop);
    }

    [Fact]
    public void StartPhase_BeforeItsEnd_QueuedUntilTheClockPassesItsEnd()
    {
        var env = new SimulatedEnvironment(TestModels.Of(TestModels.Phase("r", 0, PhaseNature.QuickSuccess)));
        var phase = env.SelectNext(new PolicyState(), new DrainOptions(), null, new HashSet<string>()).Selected!;
        var start = env.Now;

        var attempt = env.StartPhase(phase, new DrainOptions(), null);

        Assert.Equal(start, env.Now);
        Assert.True(attempt.EndsAt > start);
        Assert.Equal(PhaseStates.Queued, env.Store.GetPhase("r", "phase-00")!.State);
        env.AdvanceTo(attempt.EndsAt - TimeSpan.FromSeconds(1));
        Assert.Equal(PhaseStates.Queued, env.Store.GetPhase("r", "phase-00")!.State);
        env.AdvanceTo(attempt.EndsAt);
        Assert.Equal(PhaseStates.Complete, env.Store.GetPhase("r", "phase-00")!.State);
        Assert.Equal(attempt.EndsAt, env.Now);
    }

    [Fact]
    public void SweepParallel_DefaultBacklog_PhasesPerHourGrowsWithK()
    {
        var model = BacklogGenerator.Generate(42, 200, 12);

        var rows = Simulator.SweepParallel(model, [PolicyPreset.Find(PolicyPreset.V2)!], new PolicyOverrides(), Simulator.DefaultSweepSlots);

        Assert.Equal([1, 2, 4, 8], rows.Select(r => r.Slots));
        for (var i = 1; i < rows.Count; i++)
        {
            Assert.True(rows[i].PhasesPerHour > rows[i - 1].PhasesPerHour, $"K={rows[i].Slots}: {rows[i].PhasesPerHour} phases/h, K={rows[i - 1].Slots}: {rows[i - 1].PhasesPerHour}");
            Assert.True(rows[i].WallMinutes < rows[i - 1].WallMinutes);
        }

        // One slot: the wall clock is the executor's.
        Assert.Equal(rows[0].Metrics.ExecutorMinutes, rows[0].WallMinutes, 6);
        Assert.All(rows, r => Assert.Empty(SameRunOverlaps(r.Drain.Spans)));
    }

    [Fact]
    public void Run_ScenarioParallel_ReportTextMatchesGolden()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = SimulateCommand.Run(["--scenario", "parallel"], stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "parallel-sweep.txt")).ReplaceLineEndings("\n");
        Assert.Equal(golden, stdout.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Run_ScenarioParallelWithParallelFlag_AddsItsK()
    {
        var json = TestModels.Json("--scenario", "parallel", "--parallel", "3", "--policy", "v2,conservative", "--json");

        using var document = System.Text.Json.JsonDocument.Parse(json);
        var rows = document.RootElement.GetProperty("parallel").EnumerateArray().ToList();
        Assert.Equal(
            ["v2 1", "v2 2", "v2 3", "v2 4", "v2 8", "conservative 1", "conservative 2", "conservative 3", "conservative 4", "conservative 8"],
            rows.Select(r => r.GetProperty("policy").GetString() + " " + r.GetProperty("parallel").GetInt32().ToString(CultureInfo.InvariantCulture)));
        Assert.Empty(document.RootElement.GetProperty("single").EnumerateArray());
    }

    [Fact]
    public void Run_ParallelFlagOnSingleScenario_EveryPolicyAndBaselineDrainWithK()
    {
        var sequential = TestModels.Json("--scenario", "single", "--json");
        var parallel = TestModels.Json("--scenario", "single", "--parallel", "4", "--json");

        using var one = System.Text.Json.JsonDocument.Parse(sequential);
        using var four = System.Text.Json.JsonDocument.Parse(parallel);
        var v1One = one.RootElement.GetProperty("single").EnumerateArray().First(p => p.GetProperty("policy").GetString() == PolicyPreset.V1);
        var v1Four = four.RootElement.GetProperty("single").EnumerateArray().First(p => p.GetProperty("policy").GetString() == PolicyPreset.V1);

        // The baseline drains with the same slots (how the drain runs, not its policy): its picks change order.
        Assert.NotEqual(v1One.GetProperty("picks").ToString(), v1Four.GetProperty("picks").ToString());
    }

    [Fact]
    public void Run_ScenarioParallelChart_ThreePanelsOneLinePerPolicy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sweep-{Guid.NewGuid():N}.svg");
        try
        {
            TestModels.Json("--scenario", "parallel", "--policy", "v2,v1", "--phases", "80", "--chart", path, "--json");

            var svg = XDocument.Load(path);
            XNamespace ns = "http://www.w3.org/2000/svg";
            var panels = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "panel").ToList();
            Assert.Equal(["phases per hour (wall clock)", "successes per hour (wall clock)", "wasted executor-minutes"], panels.Select(p => (string?)p.Attribute("data-figure")));
            Assert.All(panels, p => Assert.Equal(["v2", "v1"], p.Elements(ns + "polyline").Select(l => (string?)l.Attribute("data-policy"))));
            Assert.All(panels.SelectMany(p => p.Elements(ns + "polyline")), l => Assert.Equal(4, ((string)l.Attribute("points")!).Split(' ').Length));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Pairs of attempts of one run whose time in flight overlaps (an attempt that ends when the next starts does not).</summary>
    internal static List<(AttemptSpan, AttemptSpan)> SameRunOverlaps(IReadOnlyList<AttemptSpan> spans) =>
        [.. from a in spans
            from b in spans
            where a.RunId == b.RunId && string.CompareOrdinal(a.Key, b.Key) < 0 && a.StartedAt < b.EndedAt && b.StartedAt < a.EndedAt
            select (a, b)];

    /// <summary>The most attempts in flight at one instant.</summary>
    private static int MostAtOnce(IReadOnlyList<AttemptSpan> spans) =>
        spans.Select(s => spans.Count(o => o.StartedAt <= s.StartedAt && s.StartedAt < o.EndedAt)).DefaultIfEmpty(0).Max();

    private static (int, int, int, int, long, int) Totals(PolicyState s) =>
        (s.TotalProcessed, s.TotalSuccess, s.TotalFailed, s.TotalTimeouts, s.TotalTelemetryEvents, s.ConsecutiveZeroYield);

    private static List<string> Describe(IEnumerable<DrainResult> results) =>
        [.. results.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Key} {r.FinalState} success={r.Success} timeout={r.IsTimeout} rc={r.SubprocessReturncode} s={r.SubprocessDurationSeconds} telemetry={r.TelemetryEventsCollected} interrupted={r.InterruptedBy} fp={r.FailureFingerprint} error={r.ErrorMessage} at={r.Timestamp}"))];

    /// <summary>
    /// The drain loop as it was before slots (one phase at a time, the clock moved by each
    /// attempt): what the board-driven loop with one slot must reproduce step for step.
    /// </summary>
    private static DrainRun SequentialLoop(DrainOptions options, SimulatedEnvironment environment)
    {
        var run = new DrainRun { StartedAt = environment.Now };
        var state = run.State;
        var deadline = PolicyBookkeeper.BudgetDeadline(options, run.StartedAt);
        while (true)
        {
            var before = DrainLoopRules.BeforePhase(state.TotalProcessed, options, run.StartedAt, environment.Now);
            if (Stopped(run, before))
            {
                break;
            }

            var selection = environment.SelectNext(state, options, null, new HashSet<string>());
            run.Skips.AddRange(selection.Skips.Select(s => s.Line));
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
        if (decision.Stops && decision.Line is not null)
        {
            run.Lines.Add(decision.Line);
        }

        run.Stop = decision.Stop;
        return decision.Stops;
    }
}
