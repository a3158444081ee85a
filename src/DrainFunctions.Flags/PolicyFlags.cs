using System.CommandLine;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Flags;

/// <summary>
/// The drain's policy flags (<c>--batch-size</c>, ...) as options of a command, and how the
/// given ones set <see cref="DrainOptions"/>; flags not given keep the base options' values.
/// </summary>
public sealed class PolicyFlags
{
    private readonly List<PolicyFlag> flags;

    private PolicyFlags(List<PolicyFlag> flags)
    {
        this.flags = flags;
    }

    public IEnumerable<Option> Options => flags.Select(f => f.Option);

    /// <summary>Names of the flags, as the help lists them.</summary>
    public IEnumerable<string> Names => flags.Select(f => f.Option.Name);

    /// <summary>The flags of <c>drain</c> (and <c>drain demo</c>).</summary>
    public static PolicyFlags ForDrain()
    {
        var defaults = new DrainOptions();
        var list = new List<PolicyFlag>();
        void Add<T>(Option<T> option, Func<DrainOptions, T, DrainOptions> apply) =>
            list.Add(new PolicyFlag(option, (o, parsed) => apply(o, parsed.GetValue(option)!)));

        Add(Flag.WholeNumber("--batch-size", $"phases to drain in this session (default {defaults.BatchSize})", 1), (o, v) => v is { } n ? o with { BatchSize = n } : o);
        Add(Flag.Text("--run-id", "RUN", "drain only this run's FAILED phases"), (o, v) => v is null ? o : o with { RunId = v });
        Add(Flag.Switch("--dry-run", "show what would be drained, changing nothing"), (o, v) => v ? o with { DryRun = true } : o);
        Add(Flag.Switch("--skip-runs-with-queued", "leave QUEUED phases alone one by one (the default, as Autopack's BUILD-132)"), (o, _) => o);
        Add(Flag.Switch("--no-skip-runs-with-queued", "do not report QUEUED phases"), (o, v) => v ? o with { SkipRunsWithQueued = false } : o);
        Add(Flag.Switch("--skip-runs-in-flight", "skip runs with a phase QUEUED, EXECUTING, GATE or CI_RUNNING"), (o, v) => v ? o with { SkipRunsInFlight = true } : o);
        Add(Flag.Text("--api-url", "URL", "AUTOPACK_API_URL for the executor"), (o, v) => v is null ? o : o with { ApiUrl = v });
        Add(Flag.WholeNumber("--phase-timeout-seconds", $"stop a phase after this long (default {defaults.PhaseTimeoutSeconds})", 1, DrainOptions.MaxPhaseTimeoutSeconds, "7 days"), (o, v) => v is { } n ? o with { PhaseTimeoutSeconds = n } : o);
        Add(Flag.Number("--max-total-minutes", "stop the session after this long", 0, DrainOptions.MaxTotalMinutesLimit, "30 days", helpName: "M"), (o, v) => v is { } m ? o with { MaxTotalMinutes = m } : o);
        Add(Flag.WholeNumber("--max-timeouts-per-run", $"stop a run after this many timeouts (default {defaults.MaxTimeoutsPerRun})", 1), (o, v) => v is { } n ? o with { MaxTimeoutsPerRun = n } : o);
        Add(Flag.WholeNumber("--max-attempts-per-phase", $"attempts of one phase across sessions (default {defaults.MaxAttemptsPerPhase})", 1), (o, v) => v is { } n ? o with { MaxAttemptsPerPhase = n } : o);
        Add(Flag.WholeNumber("--max-fingerprint-repeats", $"stop a run after the same failure this often (default {defaults.MaxFingerprintRepeats})", 1), (o, v) => v is { } n ? o with { MaxFingerprintRepeats = n } : o);
        Add(Flag.Texts("--skip-run-prefix", "PREFIX", "skip runs whose id starts with PREFIX (repeatable)"), (o, v) => v.Count > 0 ? o with { SkipRunPrefixes = v } : o);
        Add(Flag.WholeNumber("--max-consecutive-zero-yield", "stop after this many phases in a row without telemetry", 1), (o, v) => v is { } n ? o with { MaxConsecutiveZeroYield = n } : o);
        Add(Flag.Switch("--allow-empty-db", "drain a database without runs and phases"), (o, v) => v ? o with { AllowEmptyDb = true } : o);
        Add(Flag.Switch("--sample-first", "sample-first triage: unsampled runs first, then promising ones"), (o, v) => v ? o with { SampleFirst = true } : o);
        Add(Flag.Switch("--no-ledger", "do not use the cross-session ledger"), (o, v) => v ? o with { LedgerEnabled = false } : o);
        return new PolicyFlags(list);
    }

    /// <summary>The base options with every given flag applied.</summary>
    public DrainOptions Bind(ParseResult parsed, DrainOptions baseOptions)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return flags.Aggregate(baseOptions, (options, flag) => parsed.GetResult(flag.Option) is null ? options : flag.Apply(options, parsed));
    }

    private sealed record PolicyFlag(Option Option, Func<DrainOptions, ParseResult, DrainOptions> Apply);
}
