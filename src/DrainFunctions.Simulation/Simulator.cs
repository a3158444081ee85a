using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>One policy's drain (or schedule of drains) and its numbers.</summary>
public sealed class PolicyRunReport
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required DrainOptions Options { get; init; }

    /// <summary>Null for a single drain; on/off for a schedule.</summary>
    public bool? Ledger { get; init; }

    public required IReadOnlyList<DrainRun> Drains { get; init; }

    public DrainMetrics Metrics => DrainMetrics.Of(Drains.SelectMany(d => d.Results));

    /// <summary>Percent less wasted executor-minutes than the v1 baseline of the same scenario.</summary>
    public double WasteReductionVsV1 { get; set; }

    /// <summary>
    /// Percent less waste than the v1 baseline spent in its first N executor-minutes, N being
    /// this policy's executor-minutes: the comparison at equal executor time.
    /// </summary>
    public double WasteReductionVsV1SameTime { get; set; }

    /// <summary>Percent lower waste share than the v1 baseline.</summary>
    public double WasteShareReductionVsV1 { get; set; }

    public string Label => Ledger is { } on ? $"{Name} (ledger {(on ? "on" : "off")})" : Name;

    public IEnumerable<string> Picks => Drains.SelectMany(d => d.Picks);

    /// <summary>(executor minutes, successes) after each attempt, from (0, 0).</summary>
    public IReadOnlyList<(double Minutes, int Successes)> CumulativeSuccesses()
    {
        var points = new List<(double, int)> { (0, 0) };
        double minutes = 0;
        var successes = 0;
        foreach (var r in Drains.SelectMany(d => d.Results))
        {
            minutes += (r.SubprocessDurationSeconds ?? 0) / 60;
            successes += r.Success ? 1 : 0;
            points.Add((minutes, successes));
        }

        return points;
    }
}

/// <summary>The whole simulation: the backlog, the single-drain comparison and the schedule comparison.</summary>
public sealed class SimulationReport
{
    public required BacklogModel Model { get; init; }

    public List<PolicyRunReport> SingleDrains { get; } = [];

    public List<PolicyRunReport> Schedule { get; } = [];

    /// <summary>The v1 baseline of the single-drain comparison (also when v1 is not shown).</summary>
    public PolicyRunReport? SingleBaseline { get; set; }

    /// <summary>The v1 baseline of the schedule comparison.</summary>
    public PolicyRunReport? ScheduleBaseline { get; set; }

    public int ScheduleDrains { get; init; }

    public int ScheduleBatchSize { get; init; }

    public int ScheduleIntervalMinutes { get; init; }

    /// <summary>The parallel sweep (<c>--scenario parallel</c>): per policy, one row per K, K ascending.</summary>
    public List<ParallelSweepRow> ParallelSweep { get; } = [];

    /// <summary>The series the chart draws: the single-drain comparison, else the schedule.</summary>
    public IReadOnlyList<PolicyRunReport> ChartSeries => SingleDrains.Count > 0 ? SingleDrains : Schedule;
}

/// <summary>Runs the scenarios over fresh copies of a backlog model.</summary>
public static class Simulator
{
    /// <summary>The K values of the parallel sweep unless <c>--parallel</c> adds one.</summary>
    public static readonly IReadOnlyList<int> DefaultSweepSlots = [1, 2, 4, 8];

    /// <summary>
    /// One drain of the whole backlog (or the batch size) per policy and per K in
    /// <paramref name="slots"/>, each over a fresh copy of the backlog: what parallel slots change
    /// in throughput (wall clock) and in waste (picks made while runs are busy, stops seen later).
    /// </summary>
    public static List<ParallelSweepRow> SweepParallel(BacklogModel model, IReadOnlyList<PolicyPreset> presets, PolicyOverrides overrides, IReadOnlyList<int> slots)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(presets);
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentNullException.ThrowIfNull(slots);
        var wholeBacklog = Math.Max(1, model.Phases.Count);
        return
        [
            .. from preset in presets
               from k in slots.Distinct().Order()
               let options = overrides.With(DrainOptionCatalog.Parallel, k).Apply(preset, wholeBacklog)
               select new ParallelSweepRow { Policy = preset.Name, Slots = k, Drain = RunSingle(model, preset, options).Drains[0] },
        ];
    }

    /// <summary>One drain of the whole backlog (or the batch size) with one policy.</summary>
    public static PolicyRunReport RunSingle(BacklogModel model, PolicyPreset preset, DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var environment = new SimulatedEnvironment(model, preset.DeprioritizeTimeouts);
        var run = SimulatedDrain.Run(options, environment);
        return new PolicyRunReport { Name = preset.Name, Description = preset.Description, Options = options, Drains = [run] };
    }

    /// <summary>
    /// K drains in a row over the same backlog, one every <paramref name="intervalMinutes"/> (or
    /// as soon as the previous ends). With the ledger on, what earlier drains saw within the
    /// window rules phases and runs out; with it off every drain starts from a fresh state, as the
    /// Python tool did.
    /// </summary>
    public static PolicyRunReport RunSchedule(BacklogModel model, PolicyPreset preset, DrainOptions options, int drains, int intervalMinutes, bool ledgerOn, bool crossSessionRepeatStop = true)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(options);
        var environment = new SimulatedEnvironment(model, preset.DeprioritizeTimeouts);

        // A policy without fingerprint stops (v1) gets none from the ledger either.
        var repeatStop = crossSessionRepeatStop && options.MaxFingerprintRepeats != int.MaxValue;
        var ledger = ledgerOn ? new SimulatedLedger(options.MaxFingerprintRepeats, options.LedgerWindowHours, repeatStop) : null;
        var start = environment.Now;
        var runs = new List<DrainRun>(drains);
        var sessions = new List<DrainSession>(drains);
        for (var i = 0; i < drains; i++)
        {
            environment.Clock.AdvanceTo(start + TimeSpan.FromMinutes((double)intervalMinutes * i));
            if (ledger is not null)
            {
                ledger.Now = environment.Now;
            }

            // Each drain learns from the sessions the earlier ones produced, as the durable activity does.
            environment.History = options.PrioritizeMode() == PrioritizeMode.Seed
                ? null
                : YieldHistory.BuildAsync(YieldHistory.Attempts(sessions), environment.Store).GetAwaiter().GetResult();
            var run = SimulatedDrain.Run(options, environment, ledger);
            run.HistoryAttempts = environment.History?.All.Attempts ?? 0;
            ledger?.Commit(run.Results, run.State, environment.Now);
            runs.Add(run);
            sessions.Add(new DrainSession { SessionId = SessionIds.FromStart(run.StartedAt), Results = run.Results });
        }

        return new PolicyRunReport { Name = preset.Name, Description = preset.Description, Options = options, Ledger = ledgerOn, Drains = runs };
    }

    /// <summary>Runs the single-drain comparison over <paramref name="presets"/> (v1 always computed as the baseline).</summary>
    public static List<PolicyRunReport> CompareSingle(BacklogModel model, IReadOnlyList<PolicyPreset> presets, PolicyOverrides overrides) =>
        CompareSingle(model, presets, overrides, out _);

    public static List<PolicyRunReport> CompareSingle(BacklogModel model, IReadOnlyList<PolicyPreset> presets, PolicyOverrides overrides, out PolicyRunReport baseline)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(presets);
        ArgumentNullException.ThrowIfNull(overrides);
        var wholeBacklog = Math.Max(1, model.Phases.Count);
        var v1 = RunSingle(model, PolicyPreset.V1Preset, overrides.Apply(PolicyPreset.V1Preset, wholeBacklog));
        baseline = v1;
        var reports = presets.Select(p => p.Name == PolicyPreset.V1 ? v1 : RunSingle(model, p, overrides.Apply(p, wholeBacklog))).ToList();
        SetReductions(reports, v1);
        return reports;
    }

    /// <summary>Runs the schedule for each (policy, ledger) pair; v1 (ledger off) is the baseline.</summary>
    public static List<PolicyRunReport> CompareSchedule(BacklogModel model, IReadOnlyList<(PolicyPreset Preset, bool Ledger)> variants, PolicyOverrides overrides, int drains, int batchSize, int intervalMinutes, bool crossSessionRepeatStop = true) =>
        CompareSchedule(model, variants, overrides, drains, batchSize, intervalMinutes, crossSessionRepeatStop, out _);

    public static List<PolicyRunReport> CompareSchedule(BacklogModel model, IReadOnlyList<(PolicyPreset Preset, bool Ledger)> variants, PolicyOverrides overrides, int drains, int batchSize, int intervalMinutes, bool crossSessionRepeatStop, out PolicyRunReport baseline)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(overrides);
        var scheduleOverrides = overrides.With(DrainOptionCatalog.BatchSize, batchSize);
        var v1 = RunSchedule(model, PolicyPreset.V1Preset, scheduleOverrides.Apply(PolicyPreset.V1Preset, batchSize), drains, intervalMinutes, false);
        baseline = v1;
        var reports = variants.Select(v => v.Preset.Name == PolicyPreset.V1 && !v.Ledger
            ? v1
            : RunSchedule(model, v.Preset, scheduleOverrides.Apply(v.Preset, batchSize), drains, intervalMinutes, v.Ledger, crossSessionRepeatStop)).ToList();
        SetReductions(reports, v1);
        return reports;
    }

    private static void SetReductions(List<PolicyRunReport> reports, PolicyRunReport v1)
    {
        var baseline = v1.Metrics;
        var baselineResults = v1.Drains.SelectMany(d => d.Results).ToList();
        foreach (var report in reports)
        {
            var m = report.Metrics;
            report.WasteReductionVsV1 = m.WasteReductionVs(baseline);
            report.WasteShareReductionVsV1 = m.WasteShareReductionVs(baseline);
            var sameTime = DrainMetrics.WastedWithin(baselineResults, m.ExecutorMinutes);
            report.WasteReductionVsV1SameTime = sameTime > 0 ? (sameTime - m.WastedMinutes) / sameTime * 100 : 0;
        }
    }
}
