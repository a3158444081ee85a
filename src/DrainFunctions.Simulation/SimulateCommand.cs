using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>What <c>drain simulate</c> was asked to do.</summary>
public sealed record SimulateArguments
{
    public int Seed { get; init; } = 42;

    public int Phases { get; init; } = 200;

    public int Runs { get; init; } = 12;

    public NatureShares Shares { get; init; } = new();

    public IReadOnlyList<string> FromSessions { get; init; } = [];

    public IReadOnlyList<string> Policies { get; init; } = [];

    public bool RunSingle { get; init; } = true;

    public bool RunSchedule { get; init; } = true;

    public int ScheduleDrains { get; init; } = 24;

    public int IntervalMinutes { get; init; } = 60;

    /// <summary>on, off or both.</summary>
    public string Ledger { get; init; } = "both";

    /// <summary>Whether the ledger stops a run whose failure came back in a later session.</summary>
    public bool LedgerRepeatStop { get; init; } = true;

    public PolicyOverrides Overrides { get; init; } = new();

    public bool Json { get; init; }

    public string? ChartPath { get; init; }

    public bool Help { get; init; }
}

/// <summary>
/// <c>drain simulate</c>: runs the policy core against a model backlog on a simulated clock.
/// The CLI calls <see cref="Run"/> and returns its exit code (0 ok, 1 error, 2 bad flags).
/// </summary>
public static class SimulateCommand
{
    public const int DefaultScheduleBatchSize = 10;

    public static readonly string[] LedgerValues = ["on", "off", "both"];
    public static readonly string[] ScenarioValues = ["single", "schedule", "both"];

    private static readonly string[] IntFlags =
    [
        "--seed", "--phases", "--runs", "--schedule", "--interval-minutes", "--ledger-window-hours", "--batch-size",
        "--phase-timeout-seconds", "--max-timeouts-per-run", "--max-attempts-per-phase", "--max-fingerprint-repeats",
        "--max-consecutive-zero-yield",
    ];

    private static readonly string[] DoubleFlags =
    [
        "--max-total-minutes", "--share-transient", "--share-deterministic", "--share-hang", "--share-slow",
        "--share-quick", "--transient-success-p",
    ];

    private static readonly string[] OtherFlags =
    [
        "--from-sessions", "--policy", "--ledger", "--ledger-repeat-stop", "--scenario", "--skip-run-prefix", "--sample-first", "--json",
        "--chart", "--help", "-h",
    ];

    public static string Usage => """
        usage: drain simulate [options]
          backlog:   --seed N (42) --phases N (200) --runs N (12) | --from-sessions FILE...
                     --share-transient X (0.2) --share-deterministic X (0.3) --share-hang X (0.1)
                     --share-slow X (0.15) --share-quick X (0.25) --transient-success-p P (0.5)
          policies:  --policy NAME[,NAME] (v1, v2, high-throughput, conservative, telemetry; default: all)
                     --batch-size N --phase-timeout-seconds N --max-total-minutes M
                     --max-timeouts-per-run N --max-attempts-per-phase N --max-fingerprint-repeats N
                     --max-consecutive-zero-yield N --skip-run-prefix P --sample-first
                     (policy flags override every policy but the v1 baseline)
          scenarios: --scenario single|schedule|both (both) --schedule K (24 drains; implies schedule)
                     --interval-minutes N (60) --ledger on|off|both (both) --ledger-window-hours N (72)
                     --ledger-repeat-stop on|off (on: a failure that comes back in a later drain stops its run)
          output:    --json --chart FILE.svg
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        SimulateArguments parsed;
        try
        {
            parsed = Parse(args);
        }
        catch (FlagException ex)
        {
            stderr.WriteLine("drain simulate: " + ex.Message);
            stderr.WriteLine("Run 'drain simulate --help' for the flags.");
            return 2;
        }

        if (parsed.Help)
        {
            stdout.WriteLine(Usage);
            return 0;
        }

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
                File.WriteAllText(chart, SvgChart.Render(report.ChartSeries, title));
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
        var presets = (a.Policies.Count > 0 ? a.Policies : PolicyPreset.Names).Select(n => PolicyPreset.Find(n)!).ToList();
        if (a.RunSingle)
        {
            report.SingleDrains.AddRange(Simulator.CompareSingle(model, presets, a.Overrides, out var baseline));
            report.SingleBaseline = baseline;
        }

        if (a.RunSchedule)
        {
            var schedulePresets = a.Policies.Count > 0 ? presets : [PolicyPreset.Find(PolicyPreset.V2)!, PolicyPreset.V1Preset];
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

        return report;
    }

    /// <summary>Parses the flags; a bad one throws <see cref="FlagException"/> naming it and what it allows.</summary>
    public static SimulateArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var a = new SimulateArguments();
        var o = new PolicyOverrides();
        var shares = new NatureShares();
        var sessions = new List<string>();
        var policies = new List<string>();
        var prefixes = new List<string>();
        string? scenario = null;
        var scheduleGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string? inline = null;
            var eq = flag.IndexOf('=', StringComparison.Ordinal);
            if (flag.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = flag[(eq + 1)..];
                flag = flag[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
                {
                    throw new FlagException($"{flag} needs a value");
                }

                return args[++i];
            }

            int Int(int min)
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min)
                {
                    throw new FlagException($"{flag} must be an integer >= {min} (got '{text}')");
                }

                return v;
            }

            double Dbl(double min, double max, bool exclusiveMin)
            {
                var text = Value();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || double.IsNaN(v) || double.IsInfinity(v)
                    || v < min || v > max || (exclusiveMin && v <= min))
                {
                    var range = exclusiveMin ? $"> {min.ToString(CultureInfo.InvariantCulture)}" : $"between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}";
                    throw new FlagException($"{flag} must be a number {range} (got '{text}')");
                }

                return v;
            }

            switch (flag)
            {
                case "--help" or "-h": a = a with { Help = true }; break;
                case "--seed": a = a with { Seed = Int(int.MinValue) }; break;
                case "--phases": a = a with { Phases = Int(1) }; break;
                case "--runs": a = a with { Runs = Int(1) }; break;
                case "--from-sessions":
                    sessions.Add(Value());
                    while (inline is null && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        sessions.Add(args[++i]);
                    }

                    break;
                case "--policy":
                    foreach (var name in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (PolicyPreset.Find(name) is null)
                        {
                            throw new FlagException($"--policy: unknown policy '{name}' (allowed: {string.Join(", ", PolicyPreset.Names)})");
                        }

                        if (!policies.Contains(name))
                        {
                            policies.Add(name);
                        }
                    }

                    break;
                case "--scenario":
                    scenario = Value();
                    if (!ScenarioValues.Contains(scenario))
                    {
                        throw new FlagException($"--scenario must be one of {string.Join(", ", ScenarioValues)} (got '{scenario}')");
                    }

                    break;
                case "--schedule": a = a with { ScheduleDrains = Int(1) }; scheduleGiven = true; break;
                case "--interval-minutes": a = a with { IntervalMinutes = Int(1) }; break;
                case "--ledger":
                    var ledger = Value();
                    if (!LedgerValues.Contains(ledger))
                    {
                        throw new FlagException($"--ledger must be one of {string.Join(", ", LedgerValues)} (got '{ledger}')");
                    }

                    a = a with { Ledger = ledger };
                    break;
                case "--ledger-repeat-stop":
                    var repeatStop = Value();
                    if (repeatStop is not ("on" or "off"))
                    {
                        throw new FlagException($"--ledger-repeat-stop must be one of on, off (got '{repeatStop}')");
                    }

                    a = a with { LedgerRepeatStop = repeatStop == "on" };
                    break;
                case "--ledger-window-hours": o = o.With(DrainOptionCatalog.LedgerWindowHours, Int(1)); break;
                case "--batch-size": o = o.With(DrainOptionCatalog.BatchSize, Int(1)); break;
                case "--phase-timeout-seconds": o = o.With(DrainOptionCatalog.PhaseTimeoutSeconds, Int(1)); break;
                case "--max-total-minutes": o = o.With(DrainOptionCatalog.MaxTotalMinutes, Dbl(0, double.MaxValue, exclusiveMin: true)); break;
                case "--max-timeouts-per-run": o = o.With(DrainOptionCatalog.MaxTimeoutsPerRun, Int(1)); break;
                case "--max-attempts-per-phase": o = o.With(DrainOptionCatalog.MaxAttemptsPerPhase, Int(1)); break;
                case "--max-fingerprint-repeats": o = o.With(DrainOptionCatalog.MaxFingerprintRepeats, Int(1)); break;
                case "--max-consecutive-zero-yield": o = o.With(DrainOptionCatalog.MaxConsecutiveZeroYield, Int(1)); break;
                case "--skip-run-prefix":
                    var prefix = Value();
                    if (prefix.Length == 0)
                    {
                        throw new FlagException("--skip-run-prefix must not be empty (an empty prefix would skip every run)");
                    }

                    prefixes.Add(prefix);
                    break;
                case "--sample-first": o = o.With(DrainOptionCatalog.SampleFirst, true); break;
                case "--share-transient": shares = shares with { Transient = Dbl(0, 1, false) }; break;
                case "--share-deterministic": shares = shares with { Deterministic = Dbl(0, 1, false) }; break;
                case "--share-hang": shares = shares with { Hang = Dbl(0, 1, false) }; break;
                case "--share-slow": shares = shares with { SlowSuccess = Dbl(0, 1, false) }; break;
                case "--share-quick": shares = shares with { QuickSuccess = Dbl(0, 1, false) }; break;
                case "--transient-success-p": shares = shares with { TransientSuccessProbability = Dbl(0, 1, false) }; break;
                case "--json": a = a with { Json = true }; break;
                case "--chart": a = a with { ChartPath = Value() }; break;
                default:
                    throw new FlagException($"unknown flag '{flag}' (allowed: {string.Join(", ", IntFlags.Concat(DoubleFlags).Concat(OtherFlags))})");
            }
        }

        if (shares.Total <= 0)
        {
            throw new FlagException("--share-transient, --share-deterministic, --share-hang, --share-slow and --share-quick must not all be 0");
        }

        o = o.With(DrainOptionCatalog.SkipRunPrefixes, prefixes);
        scenario ??= scheduleGiven ? "schedule" : "both";
        a = a with
        {
            Overrides = o,
            Shares = shares,
            FromSessions = sessions,
            Policies = policies,
            RunSingle = scenario is "single" or "both",
            RunSchedule = scenario is "schedule" or "both",
        };

        // Last line of defence: the core's own validation, with its flag names.
        var errors = o.Apply(PolicyPreset.Find(PolicyPreset.V2)!, 1).Validate();
        if (errors.Count > 0)
        {
            throw new FlagException(string.Join("; ", errors.Select(e => $"{e.FlagName} {e.Message}")));
        }

        return a;
    }
}

/// <summary>A bad flag: the message names it and what it allows.</summary>
public sealed class FlagException : Exception
{
    public FlagException()
    {
    }

    public FlagException(string message)
        : base(message)
    {
    }

    public FlagException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
