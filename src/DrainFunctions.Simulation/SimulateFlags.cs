using System.CommandLine;
using System.CommandLine.Parsing;
using DrainFunctions.Core.Options;
using DrainFunctions.Flags;

namespace DrainFunctions.Simulation;

/// <summary>The flags of <c>drain simulate</c>: the backlog, the policies, the scenarios, the output.</summary>
public sealed class SimulateFlags
{
    private readonly Option<int?> seed = Flag.WholeNumber("--seed", "seed of the generated backlog (default 42)", int.MinValue, allowed: "allowed: an integer");
    private readonly Option<int?> phases = Flag.WholeNumber("--phases", "phases of the generated backlog (default 200)", 1);
    private readonly Option<int?> runs = Flag.WholeNumber("--runs", "runs of the generated backlog (default 12)", 1);
    private readonly Option<IReadOnlyList<string>> fromSessions = Flag.Texts("--from-sessions", "FILE", "a backlog modelled on these session files instead of a generated one", manyPerFlag: true);
    private readonly Option<double?> shareTransient = Share("--share-transient", 0.2);
    private readonly Option<double?> shareDeterministic = Share("--share-deterministic", 0.3);
    private readonly Option<double?> shareHang = Share("--share-hang", 0.1);
    private readonly Option<double?> shareSlow = Share("--share-slow", 0.15);
    private readonly Option<double?> shareQuick = Share("--share-quick", 0.25);
    private readonly Option<double?> noisyHang = Flag.Number("--noisy-hang-p", "chance that a hang keeps writing output without finishing (a noisy hang, extended by --extend-on-progress up to its maximum; default 0.25)", 0, 1, inclusiveMinimum: true, helpName: "P");
    private readonly Option<double?> transientSuccess = Flag.Number("--transient-success-p", "chance that a transient failure succeeds on retry (default 0.5)", 0, 1, inclusiveMinimum: true, helpName: "P");
    private readonly Option<IReadOnlyList<string>> policies = Flag.Texts("--policy", "NAME[,NAME]", $"the policies to compare (default: all: {string.Join(", ", PolicyPreset.Names)})");
    private readonly Option<string?> scenario = Keyword("--scenario", "one drain, scheduled drains, or both (default both; --schedule alone: schedule); parallel: one drain per K = 1, 2, 4, 8 slots (and --parallel's K)", SimulateCommand.ScenarioValues);
    private readonly Option<int?> schedule = Flag.WholeNumber("--schedule", "scheduled drains to simulate (default 24; implies --scenario schedule)", 1, helpName: "K");
    private readonly Option<int?> intervalMinutes = Flag.WholeNumber("--interval-minutes", "minutes between scheduled drains (default 60)", 1);
    private readonly Option<string?> ledger = Keyword("--ledger", "scheduled drains with the cross-session ledger, without, or both (default both)", SimulateCommand.LedgerValues);
    private readonly Option<string?> ledgerRepeatStop = Keyword("--ledger-repeat-stop", "on: a failure that comes back in a later drain stops its run (default on)", ["on", "off"]);
    private readonly PolicyFlags policy = PolicyFlags.For(DrainOptionSurfaces.Simulate);
    private readonly Option<bool> json = Flag.Switch("--json", "the report as JSON");
    private readonly Option<string?> chart = Flag.Text("--chart", "FILE.svg", "also draw cumulative successes per executor-minute as SVG");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Option[] all =
        [
            seed, phases, runs, fromSessions, shareTransient, shareDeterministic, shareHang, shareSlow, shareQuick, noisyHang, transientSuccess,
            policies, scenario, schedule, intervalMinutes, ledger, ledgerRepeatStop,
        ];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        policy.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(chart);

        command.Validators.Add(Check);
    }

    public SimulateArguments Bind(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var defaults = new SimulateArguments();
        var scenarioName = parsed.GetValue(scenario) ?? (parsed.GetValue(schedule) is null ? "both" : "schedule");
        var overrides = OverridesOf(parsed.RootCommandResult);
        IReadOnlyList<int> sweepSlots = overrides.Given.TryGetValue(DrainOptionCatalog.Parallel, out var k) && k is int given
            ? [.. Simulator.DefaultSweepSlots.Append(given).Distinct().Order()]
            : Simulator.DefaultSweepSlots;
        return new SimulateArguments
        {
            Seed = parsed.GetValue(seed) ?? defaults.Seed,
            Phases = parsed.GetValue(phases) ?? defaults.Phases,
            Runs = parsed.GetValue(runs) ?? defaults.Runs,
            Shares = SharesOf(parsed.GetValue),
            FromSessions = parsed.GetValue(fromSessions) ?? [],
            Policies = PolicyNames(parsed.GetValue(policies) ?? []),
            RunSingle = scenarioName is "single" or "both",
            RunSchedule = scenarioName is "schedule" or "both",
            RunParallelSweep = scenarioName is "parallel",
            SweepSlots = sweepSlots,
            ScheduleDrains = parsed.GetValue(schedule) ?? defaults.ScheduleDrains,
            IntervalMinutes = parsed.GetValue(intervalMinutes) ?? defaults.IntervalMinutes,
            Ledger = parsed.GetValue(ledger) ?? defaults.Ledger,
            LedgerRepeatStop = (parsed.GetValue(ledgerRepeatStop) ?? "on") == "on",
            Overrides = overrides,
            Json = parsed.GetValue(json),
            ChartPath = parsed.GetValue(chart),
        };
    }

    /// <summary>What no single flag can see: the shares together, the policy names, the options as the core checks them.</summary>
    private void Check(CommandResult result)
    {
        try
        {
            CheckTogether(result);
        }
        catch (InvalidOperationException)
        {
            // A flag's own value is bad (System.CommandLine will not convert it): that error is the one to show.
        }
    }

    private void CheckTogether(CommandResult result)
    {
        if (SharesOf(result.GetValue).Total <= 0)
        {
            result.AddError(FlagError.Text("--share-transient", "--share-transient, --share-deterministic, --share-hang, --share-slow and --share-quick must not all be 0"));
            return;
        }

        var names = (result.GetValue(policies) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (names.FirstOrDefault(n => PolicyPreset.Find(n) is null) is { } unknown)
        {
            result.AddError(FlagError.Text("--policy", $"unknown policy '{FlagError.Shorten(unknown)}' (allowed: {string.Join(", ", PolicyPreset.Names)})"));
            return;
        }

        var overrides = OverridesOf(result);
        if (overrides.Apply(PolicyPreset.All.First(p => p.Name == PolicyPreset.V2), 1).Validate() is [var error, ..])
        {
            result.AddError(FlagError.Text(error.FlagName, error.Message));
        }
    }

    private static List<string> PolicyNames(IEnumerable<string> values) =>
        [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    private NatureShares SharesOf(Func<Option<double?>, double?> value)
    {
        var d = new NatureShares();
        return new NatureShares
        {
            Transient = value(shareTransient) ?? d.Transient,
            Deterministic = value(shareDeterministic) ?? d.Deterministic,
            Hang = value(shareHang) ?? d.Hang,
            SlowSuccess = value(shareSlow) ?? d.SlowSuccess,
            QuickSuccess = value(shareQuick) ?? d.QuickSuccess,
            TransientSuccessProbability = value(transientSuccess) ?? d.TransientSuccessProbability,
            NoisyHang = value(noisyHang) ?? d.NoisyHang,
        };
    }

    /// <summary>The policy flags given, each overriding the presets' value.</summary>
    private PolicyOverrides OverridesOf(SymbolResult scope) =>
        policy.Given(scope).Aggregate(new PolicyOverrides(), (overrides, given) => overrides.With(given.Spec, given.Value));

    private static Option<double?> Share(string name, double defaultShare) =>
        Flag.Number(name, $"share of phases of this nature (default {defaultShare.ToString(System.Globalization.CultureInfo.InvariantCulture)})", 0, 1, inclusiveMinimum: true);

    /// <summary>One of a few words, refused with the words it allows.</summary>
    private static Option<string?> Keyword(string name, string description, string[] allowed)
    {
        var option = Flag.Valued<string>(name, string.Join('|', allowed), description, (result, text) =>
        {
            if (allowed.Contains(text, StringComparer.Ordinal))
            {
                return text;
            }

            result.AddError(FlagError.Text(name, $"invalid choice: '{FlagError.Shorten(text)}' (allowed: {string.Join(", ", allowed)})"));
            return null;
        });
        option.CompletionSources.Add(allowed);
        return option;
    }
}
