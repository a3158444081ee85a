using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Simulation;

namespace DrainFunctions.Simulation.Tests;

/// <summary><c>--extend-on-progress</c> in the simulator: the looks, the effective timeout, the [EXTEND] lines.</summary>
public class ProgressExtensionTests
{
    private static readonly DrainOptions Extending = new() { BatchSize = 1, PhaseTimeoutSeconds = 600, ExtendOnProgress = true, MaxPhaseTimeoutSeconds = 1500 };

    /// <summary>A phase that writes output and telemetry steadily and needs <paramref name="seconds"/> to succeed.</summary>
    private static ModelPhase Progressing(double seconds, string? reason = "Phase execution timed out after 600 seconds") => new()
    {
        RunId = "r-slow",
        PhaseId = "phase-00",
        PhaseIndex = 0,
        Nature = PhaseNature.Observed,
        InitialFailureReason = reason,
        Observations = [new AttemptBehaviour(false, true, seconds, 100, null) { OutputBytesPerSecond = 50 }],
    };

    private static DrainRun Drain(ModelPhase phase, DrainOptions options, NatureShares? shares = null)
    {
        var model = new BacklogModel { Phases = [phase], Source = "test", Seed = 7, Shares = shares ?? new NatureShares() };
        return SimulatedDrain.Run(options, new SimulatedEnvironment(model));
    }

    /// <summary>One generated hang drained with <see cref="Extending"/>: noisy with chance <paramref name="noisyShare"/>.</summary>
    private static (DrainRun Run, DrainResult Result) DrainHang(double noisyShare)
    {
        var hang = TestModels.Phase("r-hang", 0, PhaseNature.Hang, "Phase execution timed out after 600 seconds");
        var run = Drain(hang, Extending, new NatureShares { NoisyHang = noisyShare });
        return (run, Assert.Single(run.Results));
    }

    [Fact]
    public void Drain_ProgressingPhaseLongerThanTheMax_ExtendedUpToTheMaxAndNoFurther()
    {
        var run = Drain(Progressing(5000), Extending);
        var result = Assert.Single(run.Results);

        Assert.True(result.IsTimeout);
        Assert.Equal(1500, result.SubprocessDurationSeconds);
        Assert.Equal("Phase execution timed out after 1500 seconds", result.ErrorMessage);
        Assert.NotNull(result.Extensions);
        Assert.Equal([(570.0, 1200), (1170.0, 1500)], result.Extensions.Select(e => (e.AtSeconds, e.TimeoutSeconds)));
        // Each look sees its window, a quarter of the base timeout: 420-570 s (events 8 -> 11) and
        // 1020-1170 s (20 -> 23), 150 s of output at 50 B/s.
        Assert.Equal([3, 3], result.Extensions.Select(e => e.NewEvents));
        Assert.Equal([7500L, 7500L], result.Extensions.Select(e => e.NewOutputBytes));
        Assert.Equal(
            [
                "    [EXTEND] progress seen (+3 events, +7.3 KB output): deadline now 20m",
                "    [EXTEND] progress seen (+3 events, +7.3 KB output): deadline now 25m",
            ],
            run.Lines.Where(l => l.Contains("[EXTEND]", StringComparison.Ordinal)));
        Assert.Equal(30, result.TelemetryEventsCollected);
    }

    [Fact]
    public void Drain_ProgressingPhaseCut_RestoredWithTheEffectiveTimeout()
    {
        var environment = new SimulatedEnvironment(new BacklogModel { Phases = [Progressing(5000)], Source = "test" });

        SimulatedDrain.Run(Extending, environment);

        Assert.Equal("Phase execution timed out after 1500 seconds (batch drain)", environment.Store.GetPhase("r-slow", "phase-00")!.LastFailureReason);
    }

    [Fact]
    public void Drain_ProgressingPhaseEndingWithinTheExtension_SucceedsWithOneExtension()
    {
        var run = Drain(Progressing(900), Extending);
        var result = Assert.Single(run.Results);

        Assert.True(result.Success);
        Assert.Equal(900, result.SubprocessDurationSeconds);
        var extension = Assert.Single(result.Extensions!);
        Assert.Equal(1200, extension.TimeoutSeconds);
        Assert.Equal(["    [EXTEND] progress seen (+17 events, +7.3 KB output): deadline now 20m"], run.Lines);
    }

    [Fact]
    public void Drain_ProgressingPhaseWithoutTheFlag_CutAtTheBaseTimeout()
    {
        var run = Drain(Progressing(900), Extending with { ExtendOnProgress = false, MaxPhaseTimeoutSeconds = null });
        var result = Assert.Single(run.Results);

        Assert.True(result.IsTimeout);
        Assert.Equal(600, result.SubprocessDurationSeconds);
        Assert.Null(result.Extensions);
        Assert.Empty(run.Lines);
    }

    [Fact]
    public void Drain_SilentHang_StoppedAtTheBaseTimeout()
    {
        var (run, result) = DrainHang(noisyShare: 0);

        Assert.True(result.IsTimeout);
        Assert.Equal(600, result.SubprocessDurationSeconds);
        Assert.Equal("Phase execution timed out after 600 seconds", result.ErrorMessage);
        Assert.Null(result.Extensions);
        Assert.Empty(run.Lines);
    }

    [Fact]
    public void Drain_NoisyHang_ExtendedToTheMaxThenCutWithoutTelemetry()
    {
        var (run, result) = DrainHang(noisyShare: 1);

        Assert.True(result.IsTimeout);
        Assert.Equal(1500, result.SubprocessDurationSeconds);
        Assert.Equal(2, run.Lines.Count);
        Assert.Equal([0L, 0L], result.Extensions!.Select(e => e.NewEvents));
        Assert.Equal(0, result.TelemetryEventsCollected ?? 0);
        Assert.True(DrainMetrics.IsWasted(result));
    }

    [Fact]
    public void Drain_BudgetEndsDuringAnExtension_BudgetCutsTheAttempt()
    {
        var run = Drain(Progressing(5000), Extending with { MaxTotalMinutes = 15 });
        var result = Assert.Single(run.Results);

        Assert.Equal("budget", result.InterruptedBy);
        Assert.Equal(900, result.SubprocessDurationSeconds!.Value, 3);
        Assert.Equal(1200, Assert.Single(result.Extensions!).TimeoutSeconds);
        Assert.Equal(SessionStop.TimeLimit, run.Stop);
        Assert.Equal("    [EXTEND] progress seen (+3 events, +7.3 KB output): deadline now 20m", run.Lines[0]);
    }

    [Fact]
    public void Drain_BudgetEndsBeforeTheFirstLook_NoExtension()
    {
        var run = Drain(Progressing(5000), Extending with { MaxTotalMinutes = 9 });
        var result = Assert.Single(run.Results);

        Assert.Equal("budget", result.InterruptedBy);
        Assert.Null(result.Extensions);
        Assert.DoesNotContain(run.Lines, l => l.Contains("[EXTEND]", StringComparison.Ordinal));
    }

    [Fact]
    public void Drain_TwoSlotsExtending_LinesInTheOrderOfTheLooks()
    {
        var late = new ModelPhase
        {
            RunId = "r-late",
            PhaseId = "phase-00",
            PhaseIndex = 1,
            Nature = PhaseNature.Observed,
            Observations = [new AttemptBehaviour(false, true, 1140, 100, null) { OutputBytesPerSecond = 50 }],
        };
        var model = new BacklogModel { Phases = [Progressing(5000, reason: null), late], Source = "test" };
        var options = Extending with { BatchSize = 2, Parallel = 2, MaxPhaseTimeoutSeconds = 1800 };

        var run = SimulatedDrain.Run(options, new SimulatedEnvironment(model));

        // Both start at 0 (r-slow first, index 0); both looks at 570 s in start order, then r-late
        // succeeds at 1140 s, then r-slow's second look at 1170 s: r-slow's first line comes before
        // r-late's although r-late ends first.
        Assert.Equal(["r-late:phase-00", "r-slow:phase-00"], run.Results.Select(r => r.Key));
        Assert.Equal(["+3", "+14", "+3"], run.Lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].TrimStart('(')));
        Assert.Equal([1, 2], run.Results.Select(r => r.Extensions!.Count));
    }

    [Fact]
    public void FromSessions_ObservedTimeouts_ProgressingOnesExtendedSilentOnesNot()
    {
        var at = new DateTimeOffset(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);
        var session = DrainSession.Start(at, 10);
        DrainResult TimedOut(string run, long telemetry, IReadOnlyList<PhaseExtension>? extensions)
        {
            var result = DrainResults.TimedOut(new PhaseCandidate(run, "p", 0, null), PhaseStates.Failed, 600, new PhaseOutcome { FinalState = PhaseStates.Failed, DurationSeconds = 600, TelemetryDelta = telemetry }, at);
            result.Extensions = extensions;
            return result;
        }

        session.Results.Add(TimedOut("r-telemetry", 4, null));
        session.Results.Add(TimedOut("r-extended", 0, [new PhaseExtension(570, 0, 2048, 1200)]));
        session.Results.Add(TimedOut("r-silent", 0, null));
        var model = SessionModelBuilder.FromSessions([session], "test");

        var run = SimulatedDrain.Run(Extending with { BatchSize = 3 }, new SimulatedEnvironment(model));

        var extended = run.Results.ToDictionary(r => r.RunId, r => r.Extensions?.Count ?? 0);
        Assert.Equal(2, extended["r-telemetry"]);
        Assert.Equal(2, extended["r-extended"]);
        Assert.Equal(0, extended["r-silent"]);
        Assert.All(run.Results, r => Assert.True(r.IsTimeout));
    }

    [Fact]
    public void Run_ExtendOnProgressSameSeedTwice_IdenticalJsonWithExtensions()
    {
        string[] args = ["--seed", "3", "--schedule", "8", "--batch-size", "10", "--ledger", "on", "--policy", "v2", "--extend-on-progress", "--json"];

        var first = TestModels.Json(args);
        var second = TestModels.Json(args);

        Assert.Equal(first, second);
        var policy = JsonDocument.Parse(first).RootElement.GetProperty("schedule").GetProperty("policies")[0];
        Assert.True(policy.GetProperty("extensions").GetInt32() > 0);
        Assert.True(policy.GetProperty("extended_successes").GetInt32() > 0);
        Assert.Equal(1800, policy.GetProperty("options").GetProperty("max_phase_timeout_seconds").GetInt32());
    }

    [Fact]
    public void Run_WithoutExtendOnProgress_NoExtensionFieldsInJson()
    {
        var json = TestModels.Json("--seed", "3", "--schedule", "4", "--ledger", "on", "--policy", "v2", "--json");

        Assert.DoesNotContain("extend", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_ExtendOnProgress_SlowSuccessesNoLongerTimeOut()
    {
        var model = BacklogGenerator.Generate(42);
        var options = PolicyPreset.All.First(p => p.Name == PolicyPreset.V2).Options with { BatchSize = 10 };

        var off = Simulator.RunSchedule(model, PolicyPreset.V1Preset, options, 6, 60, ledgerOn: true);
        var on = Simulator.RunSchedule(model, PolicyPreset.V1Preset, options with { ExtendOnProgress = true }, 6, 60, ledgerOn: true);
        var environment = new SimulatedEnvironment(model);
        bool SlowTimeout(DrainResult r) => r.IsTimeout && environment.Phase(r.Key).Nature == PhaseNature.SlowSuccess;

        Assert.Contains(off.Drains.SelectMany(d => d.Results), SlowTimeout);
        Assert.DoesNotContain(on.Drains.SelectMany(d => d.Results), SlowTimeout);
        Assert.All(on.Drains.SelectMany(d => d.Results).Where(r => r.Extensions is not null), r => Assert.True(r.Extensions!.Count == 1 && r.Extensions[0].TimeoutSeconds == options.PhaseTimeoutSeconds * 2));
    }
}
