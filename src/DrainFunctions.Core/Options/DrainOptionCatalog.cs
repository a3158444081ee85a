namespace DrainFunctions.Core.Options;

/// <summary>
/// Every drain option, declared once. The order is the HTTP API's (its "unknown field" error lists
/// the fields in it); the Python tool's help texts are kept where it has the flag.
/// </summary>
public static class DrainOptionCatalog
{
    /// <summary>The Function App's settings section: <c>Drain__BatchSize</c>.</summary>
    public const string SettingsSection = "Drain";

    private const DrainOptionSurfaces Everywhere = DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody | DrainOptionSurfaces.AppSettings | DrainOptionSurfaces.Simulate;
    private const DrainOptionSurfaces DrainSurfaces = DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody | DrainOptionSurfaces.AppSettings;
    private static readonly DrainOptionBounds AtLeastOne = new() { Minimum = 1 };

    public static readonly DrainOptionSpec BatchSize = new()
    {
        Name = "batch-size", Flag = "--batch-size", Metavar = "N", Kind = DrainOptionKind.WholeNumber, Bounds = AtLeastOne,
        Help = "Number of phases to process (default: 10)",
        JsonName = "batchSize", SettingKey = "BatchSize", Surfaces = Everywhere,
        Get = o => o.BatchSize, Set = (o, v) => o with { BatchSize = (int)v! },
    };

    public static readonly DrainOptionSpec RunId = new()
    {
        Name = "run-id", Flag = "--run-id", Metavar = "RUN", Kind = DrainOptionKind.Text, Bounds = new() { MaxLength = DrainOptions.MaxIdLength },
        Help = "Optional: limit processing to specific run_id",
        JsonName = "runId", SettingKey = "RunId", Surfaces = DrainSurfaces,
        EmptyRule = t => string.IsNullOrWhiteSpace(t) ? "must not be empty" : null,
        Get = o => o.RunId, Set = (o, v) => o with { RunId = (string?)v },
    };

    public static readonly DrainOptionSpec DryRun = new()
    {
        Name = "dry-run", Flag = "--dry-run", Kind = DrainOptionKind.Switch,
        Help = "Show what would be processed without making changes",
        JsonName = "dryRun", Surfaces = DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody,
        Get = o => o.DryRun, Set = (o, v) => o with { DryRun = (bool)v! },
    };

    public static readonly DrainOptionSpec PhaseTimeoutSeconds = new()
    {
        Name = "phase-timeout-seconds", Flag = "--phase-timeout-seconds", Metavar = "N", Kind = DrainOptionKind.WholeNumber,
        Bounds = new() { Minimum = 1, Maximum = DrainOptions.PhaseTimeoutLimitSeconds, MaximumMeaning = "7 days" },
        Help = "Timeout per phase in seconds (default: 900 = 15 minutes, was 30m)",
        JsonName = "phaseTimeoutSeconds", SettingKey = "PhaseTimeoutSeconds", Surfaces = Everywhere,
        Get = o => o.PhaseTimeoutSeconds, Set = (o, v) => o with { PhaseTimeoutSeconds = (int)v! },
    };

    public static readonly DrainOptionSpec MaxTotalMinutes = new()
    {
        Name = "max-total-minutes", Flag = "--max-total-minutes", Metavar = "M", Kind = DrainOptionKind.Number,
        Bounds = new() { Minimum = 0, MinimumExclusive = true, Maximum = DrainOptions.MaxTotalMinutesLimit, MaximumMeaning = "30 days" },
        Help = "Optional: stop draining after this many minutes total (across all phases)",
        JsonName = "maxTotalMinutes", SettingKey = "MaxTotalMinutes", Surfaces = Everywhere,
        Get = o => o.MaxTotalMinutes, Set = (o, v) => o with { MaxTotalMinutes = (double?)v },
    };

    public static readonly DrainOptionSpec ExtendOnProgress = new()
    {
        Name = "extend-on-progress", Flag = "--extend-on-progress", Kind = DrainOptionKind.Switch,
        Help = "Progress-aware timeouts: a phase still showing progress at its timeout (new telemetry rows of its run, new output) gets one more timeout, up to --max-phase-timeout-seconds (off by default)",
        JsonName = "extendOnProgress", SettingKey = "ExtendOnProgress", Surfaces = Everywhere,
        Get = o => o.ExtendOnProgress, Set = (o, v) => o with { ExtendOnProgress = (bool)v! },
    };

    public static readonly DrainOptionSpec MaxPhaseTimeoutSeconds = new()
    {
        Name = "max-phase-timeout-seconds", Flag = "--max-phase-timeout-seconds", Metavar = "M", Kind = DrainOptionKind.WholeNumber,
        Bounds = new() { Minimum = 1, Maximum = DrainOptions.PhaseTimeoutLimitSeconds, MaximumMeaning = "7 days" },
        Help = "With --extend-on-progress: the longest a phase may run with its extensions (default: twice --phase-timeout-seconds)",
        JsonName = "maxPhaseTimeoutSeconds", SettingKey = "MaxPhaseTimeoutSeconds", Surfaces = Everywhere,
        Get = o => o.MaxPhaseTimeoutSeconds, Set = (o, v) => o with { MaxPhaseTimeoutSeconds = (int?)v },
    };

    public static readonly DrainOptionSpec MaxTimeoutsPerRun = new()
    {
        Name = "max-timeouts-per-run", Flag = "--max-timeouts-per-run", Metavar = "N", Kind = DrainOptionKind.WholeNumber, Bounds = AtLeastOne,
        Help = "Skip run after this many timeout failures (default: 2)",
        JsonName = "maxTimeoutsPerRun", SettingKey = "MaxTimeoutsPerRun", Surfaces = Everywhere,
        Get = o => o.MaxTimeoutsPerRun, Set = (o, v) => o with { MaxTimeoutsPerRun = (int)v! },
    };

    public static readonly DrainOptionSpec MaxAttemptsPerPhase = new()
    {
        Name = "max-attempts-per-phase", Flag = "--max-attempts-per-phase", Metavar = "N", Kind = DrainOptionKind.WholeNumber, Bounds = AtLeastOne,
        Help = "Skip phase after this many retry attempts (default: 2)",
        JsonName = "maxAttemptsPerPhase", SettingKey = "MaxAttemptsPerPhase", Surfaces = Everywhere,
        Get = o => o.MaxAttemptsPerPhase, Set = (o, v) => o with { MaxAttemptsPerPhase = (int)v! },
    };

    public static readonly DrainOptionSpec MaxFingerprintRepeats = new()
    {
        Name = "max-fingerprint-repeats", Flag = "--max-fingerprint-repeats", Metavar = "N", Kind = DrainOptionKind.WholeNumber, Bounds = AtLeastOne,
        Help = "Deprioritize run after same error fingerprint repeats this many times (default: 3)",
        JsonName = "maxFingerprintRepeats", SettingKey = "MaxFingerprintRepeats", Surfaces = Everywhere,
        Get = o => o.MaxFingerprintRepeats, Set = (o, v) => o with { MaxFingerprintRepeats = (int)v! },
    };

    public static readonly DrainOptionSpec SkipRunPrefixes = new()
    {
        Name = "skip-run-prefix", Flag = "--skip-run-prefix", Metavar = "PREFIX", Kind = DrainOptionKind.TextList,
        Bounds = new() { MaxLength = DrainOptions.MaxIdLength, MaxCount = DrainOptions.MaxSkipRunPrefixes }, ItemNoun = "prefixes",
        Help = "Skip runs whose run_id starts with this prefix (can be specified multiple times). Example: --skip-run-prefix research-system",
        JsonName = "skipRunPrefixes", SettingKey = "SkipRunPrefixes", Surfaces = Everywhere,
        EmptyRule = t => t.Length == 0 ? "must not be empty (an empty prefix would skip every run)" : null,
        Get = o => o.SkipRunPrefixes, Set = (o, v) => o with { SkipRunPrefixes = (IReadOnlyList<string>)v! },
    };

    public static readonly DrainOptionSpec MaxConsecutiveZeroYield = new()
    {
        Name = "max-consecutive-zero-yield", Flag = "--max-consecutive-zero-yield", Metavar = "N", Kind = DrainOptionKind.WholeNumber, Bounds = AtLeastOne,
        Help = "Stop draining after N consecutive phases with 0 telemetry events (default: unlimited). Useful for detecting systematic telemetry collection issues.",
        JsonName = "maxConsecutiveZeroYield", SettingKey = "MaxConsecutiveZeroYield", Surfaces = Everywhere,
        Get = o => o.MaxConsecutiveZeroYield, Set = (o, v) => o with { MaxConsecutiveZeroYield = (int?)v },
    };

    public static readonly DrainOptionSpec SkipRunsWithQueued = new()
    {
        Name = "skip-runs-with-queued", Flag = "--skip-runs-with-queued", NegatedFlag = "--no-skip-runs-with-queued", Kind = DrainOptionKind.Switch,
        Help = "Safety default: skip individual QUEUED phases when selecting FAILED phases to drain. This prevents re-queueing a phase that is already queued, but still allows draining other FAILED phases from the same run.",
        NegatedHelp = "Disable --skip-runs-with-queued (not recommended unless you fully understand the risks).",
        JsonName = "skipRunsWithQueued", SettingKey = "SkipRunsWithQueued", Surfaces = DrainSurfaces,
        Get = o => o.SkipRunsWithQueued, Set = (o, v) => o with { SkipRunsWithQueued = (bool)v! },
    };

    public static readonly DrainOptionSpec SkipRunsInFlight = new()
    {
        Name = "skip-runs-in-flight", Flag = "--skip-runs-in-flight", Kind = DrainOptionKind.Switch,
        Help = "Skip every run that has a phase QUEUED, EXECUTING, GATE or CI_RUNNING (the guide's run-level guard; off by default).",
        JsonName = "skipRunsInFlight", SettingKey = "SkipRunsInFlight", Surfaces = DrainSurfaces,
        Get = o => o.SkipRunsInFlight, Set = (o, v) => o with { SkipRunsInFlight = (bool)v! },
    };

    public static readonly DrainOptionSpec SampleFirst = new()
    {
        Name = "sample-first", Flag = "--sample-first", Kind = DrainOptionKind.Switch,
        Help = "Sample-first triage: drain one phase of every run first, then only the runs whose sample was promising (off by default).",
        JsonName = "sampleFirst", SettingKey = "SampleFirst", Surfaces = Everywhere,
        Get = o => o.SampleFirst, Set = (o, v) => o with { SampleFirst = (bool)v! },
    };

    public static readonly DrainOptionSpec AllowEmptyDb = new()
    {
        Name = "allow-empty-db", Flag = "--allow-empty-db", Kind = DrainOptionKind.Switch,
        Help = "Allow operation on empty database (bypass safety check)",
        JsonName = "allowEmptyDb", Surfaces = DrainOptionSurfaces.Cli,
        Get = o => o.AllowEmptyDb, Set = (o, v) => o with { AllowEmptyDb = (bool)v! },
    };

    public static readonly DrainOptionSpec LedgerEnabled = new()
    {
        Name = "ledger", NegatedFlag = "--no-ledger", Kind = DrainOptionKind.Switch,
        Help = "Count attempts, timeouts and stopped runs across sessions in the ledger (on by default).",
        NegatedHelp = "Do not use the cross-session ledger: limits count within this session only.",
        JsonName = "ledgerEnabled", SettingKey = "LedgerEnabled", Surfaces = DrainSurfaces,
        Get = o => o.LedgerEnabled, Set = (o, v) => o with { LedgerEnabled = (bool)v! },
    };

    public static readonly DrainOptionSpec LedgerWindowHours = new()
    {
        Name = "ledger-window-hours", Flag = "--ledger-window-hours", Metavar = "N", Kind = DrainOptionKind.WholeNumber,
        Bounds = new() { Minimum = 1, Maximum = DrainOptions.MaxLedgerWindowHours, MaximumMeaning = "30 days, what the ledger keeps" },
        Help = "Hours of ledger history counted against the limits (default: 72)",
        JsonName = "ledgerWindowHours", SettingKey = "LedgerWindowHours",
        Surfaces = DrainOptionSurfaces.HttpBody | DrainOptionSurfaces.AppSettings | DrainOptionSurfaces.Simulate,
        Get = o => o.LedgerWindowHours, Set = (o, v) => o with { LedgerWindowHours = (int)v! },
    };

    public static readonly DrainOptionSpec ApiUrl = new()
    {
        Name = "api-url", Flag = "--api-url", Metavar = "URL", Kind = DrainOptionKind.Text, Bounds = new() { MaxLength = DrainOptions.MaxApiUrlLength },
        Help = "Optional: reuse a single API URL for all drains (prevents spawning many uvicorn servers). Example: http://127.0.0.1:8000",
        JsonName = "apiUrl", SettingKey = "ApiUrl", SharedSettingKey = "Executor:ApiUrl", Surfaces = DrainSurfaces,
        FormatRule = t => t.Length > 0 && !(Uri.TryCreate(t, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") ? "must be an absolute http:// or https:// URL" : null,
        Get = o => o.ApiUrl, Set = (o, v) => o with { ApiUrl = (string?)v },
    };

    public static readonly DrainOptionSpec Parallel = new()
    {
        Name = "parallel", Flag = "--parallel", Metavar = "K", Kind = DrainOptionKind.WholeNumber,
        Bounds = new() { Minimum = 1, Maximum = DrainOptions.MaxParallel, MaximumMeaning = "the most slots" },
        Help = "Phases in flight at once, never two of one run (default: the number of --slot, else 1)",
        JsonName = "parallel", SettingKey = "Parallel", Surfaces = Everywhere,
        Get = o => o.Parallel, Set = (o, v) => o with { Parallel = (int?)v },
    };

    public static readonly DrainOptionSpec Slots = new()
    {
        Name = "slot", Flag = "--slot", Metavar = "api=URL[,workspace=DIR]", Kind = DrainOptionKind.TextList,
        Bounds = new() { MaxLength = DrainOptions.MaxApiUrlLength + 4096, MaxCount = DrainOptions.MaxParallel }, ItemNoun = "slots",
        Help = "A slot's own API server (AUTOPACK_API_URL) and working directory (can be specified multiple times). Example: --slot api=http://127.0.0.1:8001,workspace=/srv/autopack-2",
        JsonName = "slots", SettingKey = "Slots", Surfaces = DrainSurfaces, ListSeparator = ';',
        EmptyRule = t => t.Length == 0 ? "must not be empty (" + DrainSlot.Shape + ")" : null,
        FormatRule = t => DrainSlot.Parse(t, 1).Problem,
        Get = o => o.Slots, Set = (o, v) => o with { Slots = (IReadOnlyList<string>)v! },
    };

    public static readonly DrainOptionSpec Prioritize = new()
    {
        Name = "prioritize", Flag = "--prioritize", Metavar = "seed|yield|forecast", Kind = DrainOptionKind.Text,
        Bounds = new() { MaxLength = 16 }, Choices = Forecasts.PrioritizeModes.Names,
        Help = "Order of the eligible phases: seed (the policy's order, default), yield (the telemetry yield their run and category showed in earlier sessions) or forecast (expected successes per executor-minute; docs/forecast.md)",
        JsonName = "prioritize", SettingKey = "Prioritize", Surfaces = Everywhere,
        Get = o => o.Prioritize, Set = (o, v) => o with { Prioritize = (string?)v ?? Forecasts.PrioritizeModes.Seed },
    };

    public static IReadOnlyList<DrainOptionSpec> All { get; } =
    [
        BatchSize, RunId, DryRun, PhaseTimeoutSeconds, MaxTotalMinutes, MaxTimeoutsPerRun, MaxAttemptsPerPhase,
        MaxFingerprintRepeats, SkipRunPrefixes, MaxConsecutiveZeroYield, SkipRunsWithQueued, SkipRunsInFlight,
        SampleFirst, AllowEmptyDb, LedgerEnabled, LedgerWindowHours, ApiUrl, Parallel, Slots, Prioritize,
        ExtendOnProgress, MaxPhaseTimeoutSeconds,
    ];

    /// <summary>The options a surface carries, in catalog order.</summary>
    public static IReadOnlyList<DrainOptionSpec> On(DrainOptionSurfaces surface) => [.. All.Where(s => s.IsOn(surface))];

    /// <summary>The option of a flag name without dashes (<see cref="OptionError.Name"/>); null when none.</summary>
    public static DrainOptionSpec? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>The option of an HTTP body field; null when none.</summary>
    public static DrainOptionSpec? FindByJsonName(string jsonName) => All.FirstOrDefault(s => s.JsonName == jsonName);
}
