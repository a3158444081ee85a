using System.CommandLine;
using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Flags;

namespace DrainFunctions.Simulation;

/// <summary>
/// <c>drain simulate</c>: runs the policy core against a model backlog on a simulated clock.
/// The CLI calls <see cref="Run"/> and returns its exit code (0 ok, 1 error, 2 bad flags).
/// </summary>
public static class SimulateCommand
{
    public const int DefaultScheduleBatchSize = 10;

    public static readonly string[] LedgerValues = ["on", "off", "both"];
    public static readonly string[] ScenarioValues = ["single", "schedule", "both", "parallel"];

    /// <summary><c>drain simulate</c> as a command of the drain's command line.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var flags = new SimulateFlags();
        var command = new Command("simulate", "the real policy on a simulated backlog: waste, successes and throughput per policy (docs/simulation.md); policy flags override every policy but the v1 baseline");
        flags.AddTo(command);
        command.SetAction(parsed => Run(flags.Bind(parsed), stdout, stderr));
        return CommandHelp.WithExamples(
            command,
            "drain simulate                                   # every policy, one drain and 24 scheduled drains",
            "drain simulate --policy v2,conservative --scenario single --batch-size 50",
            "drain simulate --scenario parallel --chart k.svg # K = 1, 2, 4, 8 slots: phases/h, successes/h, waste",
            "drain simulate --from-sessions .autonomous_runs/batch_drain_sessions/*.json --chart waste.svg",
            "drain simulate --json | jq '.single'");
    }

    /// <summary>Parses <paramref name="args"/> (the words after <c>drain simulate</c>) and runs them: 0 ok, 1 error, 2 bad flags.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = new RootCommand { Create(stdout, stderr) };
        CommandHelp.Install(root);
        return FlagParsing.RunAsync(root, ["simulate", .. args], stdout, stderr).GetAwaiter().GetResult();
    }

    /// <summary>Runs what <paramref name="parsed"/> asks for and prints the report.</summary>
    public static int Run(SimulateArguments parsed, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            var report = Execute(parsed);
            if (parsed.Json)
            {
                stdout.Write(ReportJson.Render(report));
                stdout.WriteLine();
            }
            else
            {
                stdout.Write(ReportText.Render(report));
            }

            if (parsed.ChartPath is { } chart)
            {
                var title = report.SingleDrains.Count > 0
                    ? "Cumulative successes per executor-minute (one drain)"
                    : string.Create(CultureInfo.InvariantCulture, $"Cumulative successes per executor-minute ({report.ScheduleDrains} drains)");
                File.WriteAllText(chart, report.ChartSeries.Count > 0 || report.ParallelSweep.Count == 0
                    ? SvgChart.Render(report.ChartSeries, title)
                    : ParallelSweepChart.Render(report.ParallelSweep));
                (parsed.Json ? stderr : stdout).WriteLine($"Chart written to {chart}");
            }

            return 0;
        }
        catch (Exception ex) when (ex is SessionFormatException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("drain simulate: " + ex.Message);
            return 1;
        }
    }

    /// <summary>Runs what the arguments ask for and returns the report.</summary>
    public static SimulationReport Execute(SimulateArguments a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var model = a.FromSessions.Count > 0
            ? SessionModelBuilder.FromFiles(a.FromSessions)
            : BacklogGenerator.Generate(a.Seed, a.Phases, a.Runs, a.Shares);
        var batch = a.Overrides.BatchSize ?? DefaultScheduleBatchSize;
        var report = new SimulationReport
        {
            Model = model,
            ScheduleDrains = a.RunSchedule ? a.ScheduleDrains : 0,
            ScheduleBatchSize = batch,
            ScheduleIntervalMinutes = a.IntervalMinutes,
        };
        var presets = (a.Policies.Count > 0 ? a.Policies : PolicyPreset.Names).Select(n => PolicyPreset.All.First(p => p.Name == n)).ToList();
        if (a.RunSingle)
        {
            report.SingleDrains.AddRange(Simulator.CompareSingle(model, presets, a.Overrides, out var baseline));
            report.SingleBaseline = baseline;
        }

        if (a.RunSchedule)
        {
            var schedulePresets = a.Policies.Count > 0 ? presets : [PolicyPreset.All.First(p => p.Name == PolicyPreset.V2), PolicyPreset.V1Preset];
            var variants = new List<(PolicyPreset, bool)>();
            foreach (var p in schedulePresets)
            {
                if (p.Name == PolicyPreset.V1 && a.Ledger == "both")
                {
                    variants.Add((p, false));
                    continue;
                }

                if (a.Ledger is "off" or "both")
                {
                    variants.Add((p, false));
                }

                if (a.Ledger is "on" or "both")
                {
                    variants.Add((p, true));
                }
            }

            report.Schedule.AddRange(Simulator.CompareSchedule(model, variants, a.Overrides, a.ScheduleDrains, batch, a.IntervalMinutes, a.LedgerRepeatStop, out var baseline));
            report.ScheduleBaseline = baseline;
        }

        if (a.RunParallelSweep)
        {
            var sweepPresets = a.Policies.Count > 0 ? presets : [PolicyPreset.All.First(p => p.Name == PolicyPreset.V2)];
            report.ParallelSweep.AddRange(Simulator.SweepParallel(model, sweepPresets, a.Overrides, a.SweepSlots));
        }

        return report;
    }
}
