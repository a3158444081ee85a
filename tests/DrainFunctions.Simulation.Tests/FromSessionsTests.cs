using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Simulation;

namespace DrainFunctions.Simulation.Tests;

public class FromSessionsTests
{
    private static readonly DateTimeOffset At = new(2025, 12, 28, 6, 0, 7, TimeSpan.Zero);

    private static DrainSession ObservedSession()
    {
        var session = DrainSession.Start(At, 10);
        var ok = new PhaseCandidate("build130", "schema", 1, null);
        var broken = new PhaseCandidate("research-v4", "integration", 0, "ImportError before");
        var stuck = new PhaseCandidate("research-v6", "meta", 2, "timed out before");
        session.Results.Add(DrainResults.Completed(ok, "FAILED", new PhaseOutcome { FinalState = "COMPLETE", ReturnCode = 0, DurationSeconds = 240, TelemetryDelta = 15 }, At));
        session.Results.Add(DrainResults.Completed(broken, "FAILED", new PhaseOutcome { FinalState = "FAILED", ReturnCode = 1, DurationSeconds = 75, TelemetryDelta = 0, LastFailureReason = "ImportError at line 12: cannot import 'x' from /app/run-1/mod.py at 2025-12-28 06:04:00" }, At));
        session.Results.Add(DrainResults.TimedOut(stuck, "FAILED", 900, new PhaseOutcome { FinalState = "FAILED", DurationSeconds = 900, TelemetryDelta = 0 }, At));
        session.State.RebuildDerived(session.Results);
        return session;
    }

    [Fact]
    public void FromSessions_SessionFileRoundTrip_ReplaysObservedBehaviour()
    {
        var path = Path.Combine(Path.GetTempPath(), $"batch-drain-{Guid.NewGuid():N}.json");
        var observed = ObservedSession();
        File.WriteAllText(path, SessionJson.Serialize(observed));
        try
        {
            var model = SessionModelBuilder.FromFiles([path]);
            var report = Simulator.RunSingle(model, PolicyPreset.V1Preset, PolicyPreset.V1Preset.Options with { BatchSize = 10 });
            var results = report.Drains[0].Results.ToDictionary(r => r.Key);

            Assert.Equal(3, model.Phases.Count);
            Assert.All(model.Phases, p => Assert.Equal(PhaseNature.Observed, p.Nature));
            var ok = results["build130:schema"];
            Assert.True(ok.Success);
            Assert.Equal(240, ok.SubprocessDurationSeconds);
            Assert.Equal(15, ok.TelemetryEventsCollected);
            var broken = results["research-v4:integration"];
            Assert.False(broken.Success);
            Assert.Equal(observed.Results[1].FailureFingerprint, broken.FailureFingerprint);
            Assert.Equal(75, broken.SubprocessDurationSeconds);
            var stuck = results["research-v6:meta"];
            Assert.Equal(PhaseStates.Timeout, stuck.FinalState);
            Assert.Equal(1800, stuck.SubprocessDurationSeconds);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_FromSessionsFlag_WhatIfShorterTimeout()
    {
        var path = Path.Combine(Path.GetTempPath(), $"batch-drain-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, SessionJson.Serialize(ObservedSession()));
        try
        {
            var json = TestModels.Json("--from-sessions", path, "--policy", "v2", "--phase-timeout-seconds", "600", "--scenario", "single", "--json");

            Assert.Contains("\"phases\": 3", json, StringComparison.Ordinal);
            Assert.Contains("\"phase_timeout_seconds\": 600", json, StringComparison.Ordinal);
            Assert.Contains("\"executor_minutes\": 15.25", json, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Run_FromSessionsTruncatedFile_ExitsOneWithFileNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"batch-drain-{Guid.NewGuid():N}.json");
        var text = SessionJson.Serialize(ObservedSession());
        File.WriteAllText(path, text[..(text.Length / 2)]);
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var code = SimulateCommand.Run(["--from-sessions", path], stdout, stderr);

            Assert.Equal(1, code);
            Assert.Contains(Path.GetFileName(path), stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class DrainLoopTests
{
    /// <summary>Any environment can sit behind the loop: here a scripted one where every phase fails the same way.</summary>
    private sealed class ScriptedEnvironment(IReadOnlyList<PhaseCandidate> backlog) : IDrainEnvironment
    {
        public DateTimeOffset Now { get; private set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger, IReadOnlySet<string> busyRuns) =>
            PhaseSelector.SelectNext(backlog, state, options, ledger, busyRuns);

        public SimulatedAttempt StartPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline)
        {
            var result = DrainResults.Completed(phase, "FAILED", new PhaseOutcome { FinalState = "FAILED", ReturnCode = 1, DurationSeconds = 60, LastFailureReason = "same error" }, Now);
            return new SimulatedAttempt(new PhaseAttemptOutcome(result, PhaseRaceWinner.ExecutorReported), Now, Now + TimeSpan.FromMinutes(1));
        }

        public void AdvanceTo(DateTimeOffset instant) => Now = instant > Now ? instant : Now;
    }

    [Fact]
    public void Run_ScriptedEnvironment_SameCoreStopsApply()
    {
        var backlog = Enumerable.Range(0, 5).Select(i => new PhaseCandidate(i < 3 ? "a" : "b", $"p{i}", i, "error")).ToList();

        var run = SimulatedDrain.Run(new DrainOptions { BatchSize = 10, MaxFingerprintRepeats = 2 }, new ScriptedEnvironment(backlog));

        // Two repeats stop run a, the next repeat (in b) stops b: the fingerprint is session-wide.
        Assert.Equal(["a:p0", "a:p1", "b:p3"], run.Picks);
        Assert.Equal(["a", "b"], run.State.StoppedRuns);
        Assert.Equal(SessionStop.NoEligiblePhases, run.Stop);
    }
}

public class EquivalenceTests
{
    /// <summary>
    /// A second environment over the same model that selects with <see cref="PhaseSelector.SelectNext"/>
    /// over the unordered rows (Prefilter and order in memory) instead of the store's ordered
    /// stream: the pattern of the simulator-vs-durable-drain comparison.
    /// </summary>
    private sealed class ListSelectingEnvironment(BacklogModel model) : IDrainEnvironment
    {
        private readonly SimulatedEnvironment inner = new(model);

        public DateTimeOffset Now => inner.Now;

        public SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger, IReadOnlySet<string> busyRuns)
        {
            var rows = model.Phases.Select(p => inner.Store.GetPhase(p.RunId, p.PhaseId)!)
                .Where(r => r.State == PhaseStates.Failed && !busyRuns.Contains(r.RunId))
                .Reverse()
                .Select(r => new PhaseCandidate(r.RunId, r.PhaseId, r.PhaseIndex, r.LastFailureReason));
            return PhaseSelector.SelectNext(rows, state, options, ledger);
        }

        public SimulatedAttempt StartPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline) =>
            inner.StartPhase(phase, options, budgetDeadline);

        public void AdvanceTo(DateTimeOffset instant) => inner.AdvanceTo(instant);
    }

    [Fact]
    public void Run_StreamAndListSelection_SamePicksAndTotals()
    {
        var model = BacklogGenerator.Generate(11, 120, 8);
        var options = new DrainOptions { BatchSize = 120, MaxTotalMinutes = 600 };

        var streamed = SimulatedDrain.Run(options, new SimulatedEnvironment(model));
        var listed = SimulatedDrain.Run(options, new ListSelectingEnvironment(model));

        Assert.True(streamed.Picks.Count > 10);
        Assert.Equal(streamed.Picks, listed.Picks);
        Assert.Equal(streamed.Stop, listed.Stop);
        Assert.Equal(streamed.State.TotalSuccess, listed.State.TotalSuccess);
        Assert.Equal(streamed.State.TotalTimeouts, listed.State.TotalTimeouts);
        Assert.Equal(streamed.State.TotalTelemetryEvents, listed.State.TotalTelemetryEvents);
        Assert.Equal(streamed.State.StoppedRuns, listed.State.StoppedRuns);
        Assert.Equal(streamed.State.FingerprintCounts.ToList(), listed.State.FingerprintCounts.ToList());
    }

    [Fact]
    public void Run_SampleFirst_DrainsOnePhaseOfEveryRunFirst()
    {
        var model = BacklogGenerator.Generate(42, 100, 6);
        var runs = model.Phases.Select(p => p.RunId).Distinct().Count();

        var sampled = SimulatedDrain.Run(new DrainOptions { BatchSize = runs, SampleFirst = true, MaxFingerprintRepeats = 100, MaxTimeoutsPerRun = 100 }, new SimulatedEnvironment(model));
        var plain = SimulatedDrain.Run(new DrainOptions { BatchSize = runs, MaxFingerprintRepeats = 100, MaxTimeoutsPerRun = 100 }, new SimulatedEnvironment(model));

        Assert.Equal(runs, sampled.Picks.Select(p => p.Split(':')[0]).Distinct().Count());
        Assert.True(plain.Picks.Select(p => p.Split(':')[0]).Distinct().Count() < runs);
    }

    [Fact]
    public void Run_SampleFirst_RunRepeatingAnotherRunsFailureIsDeprioritizedAndNotDrained()
    {
        // r1 and r2 fail with the same import error (one fingerprint); their second phases succeed.
        static ModelPhase Shared(string run, int index) => new()
        {
            RunId = run,
            PhaseId = $"phase-{index:D2}",
            PhaseIndex = index,
            Nature = PhaseNature.Deterministic,
            StreamSeed = SeedMix.Mix(11, (ulong)index + ((ulong)run.Length << 20)),
            Mode = new FailureMode(FailureKind.Import, "shared", 0),
        };
        var model = TestModels.Of(Shared("r1", 0), Shared("r2", 0), TestModels.Phase("r1", 1, PhaseNature.QuickSuccess), TestModels.Phase("r2", 1, PhaseNature.QuickSuccess));
        var options = new DrainOptions { BatchSize = 10, SampleFirst = true, MaxFingerprintRepeats = 10 };

        var sampled = SimulatedDrain.Run(options, new SimulatedEnvironment(model));
        var plain = SimulatedDrain.Run(options with { SampleFirst = false }, new SimulatedEnvironment(model));

        Assert.Equal(["r1:phase-00", "r2:phase-00", "r1:phase-01"], sampled.Picks);
        Assert.Equal(SessionStop.NoEligiblePhases, sampled.Stop);
        Assert.Equal(["r2"], sampled.State.DeprioritizedRuns);
        Assert.Equal("  [SAMPLE-OK] r1: Promising (continue draining)", sampled.Lines[0]);
        Assert.StartsWith("  [SAMPLE-SKIP] r2: Deprioritized (repeating fingerprint: FAILED|rc1|importerror at line num: cannot import 'shared'", sampled.Lines[1], StringComparison.Ordinal);
        Assert.Equal("  [SKIP] r2/phase-01: run r2 deprioritized (sample-first triage)", sampled.Skips[^1]);
        Assert.Equal(4, plain.Picks.Count);
    }

    [Fact]
    public void FromSessions_PythonToolFileWithOldFields_Loads()
    {
        // An older Python file: no triage sets, no telemetry fields, results with few fields.
        const string json = """
            {
              "session_id": "batch-drain-20251228-060007",
              "started_at": "2025-12-28T06:00:07+00:00",
              "completed_at": "2025-12-28T06:15:32+00:00",
              "batch_size": 2,
              "total_processed": 2,
              "total_success": 1,
              "total_failed": 1,
              "fingerprint_counts": {"FAILED|rc1|ci collectionpath error": 1},
              "stopped_fingerprints": [],
              "stopped_runs": [],
              "results": [
                {"run_id": "research-system-v6", "phase_id": "research-foundation-orchestrator", "phase_index": 0,
                 "initial_state": "FAILED", "final_state": "FAILED", "success": false,
                 "error_message": "CI collection/import error", "timestamp": "2025-12-28T06:03:00+00:00",
                 "subprocess_returncode": 1, "subprocess_duration_seconds": 95.5},
                {"run_id": "build130-schema-validation", "phase_id": "schema-validation-phase", "phase_index": 1,
                 "initial_state": "FAILED", "final_state": "COMPLETE", "success": true, "error_message": null,
                 "timestamp": "2025-12-28T06:07:00+00:00", "subprocess_returncode": 0, "subprocess_duration_seconds": 240.0,
                 "telemetry_events_collected": 15}
              ]
            }
            """;
        var model = SessionModelBuilder.FromSessions([SessionJson.Parse(json, "old.json")], "old.json");

        var report = Simulator.RunSingle(model, PolicyPreset.V1Preset, PolicyPreset.V1Preset.Options with { BatchSize = 10 });

        Assert.Equal(2, report.Metrics.Attempted);
        Assert.Equal(1, report.Metrics.Successes);
        Assert.Equal(15, report.Metrics.TelemetryEvents);
        Assert.Contains(report.Drains[0].Results, r => r.FailureFingerprint == "FAILED|rc1|ci collectionpath error");
    }
}

public class EnvironmentEdgeTests
{
    [Fact]
    public void RunPhase_PhaseNoLongerFailed_RequeueConflictNotRun()
    {
        var model = TestModels.Of(TestModels.Phase("r", 0, PhaseNature.QuickSuccess));
        var env = new SimulatedEnvironment(model);
        var candidate = env.SelectNext(new PolicyState(), new DrainOptions(), null, new HashSet<string>()).Selected!;
        env.Store.TryRequeue("r", "phase-00");

        var (result, _) = env.RunPhase(candidate, new DrainOptions(), null);

        Assert.Equal("requeue_conflict", result.InterruptedBy);
        Assert.Equal(0, env.AttemptsMade(candidate.Key));
        Assert.Equal(SimulatedClock.DefaultStart, env.Now);
    }

    [Fact]
    public void Run_MaxConsecutiveZeroYield_StopsSession()
    {
        var model = TestModels.Of(Enumerable.Range(0, 6).Select(i => TestModels.Phase($"run{i}", 0, PhaseNature.Deterministic, "ImportError earlier")).ToArray());

        var run = SimulatedDrain.Run(new DrainOptions { BatchSize = 10, MaxConsecutiveZeroYield = 4 }, new SimulatedEnvironment(model));

        Assert.Equal(SessionStop.ZeroYieldLimit, run.Stop);
        Assert.Equal(4, run.Picks.Count);
    }
}
