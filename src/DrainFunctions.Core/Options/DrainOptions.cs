using System.Globalization;

namespace DrainFunctions.Core.Options;

/// <summary>
/// The drain's policy options, with the Python tool's names (as CLI flags) and defaults.
/// </summary>
public sealed record DrainOptions
{
    public const int DefaultBatchSize = 10;
    public const int DefaultPhaseTimeoutSeconds = 900;
    public const int DefaultMaxTimeoutsPerRun = 2;
    public const int DefaultMaxAttemptsPerPhase = 2;
    public const int DefaultMaxFingerprintRepeats = 3;
    public const int DefaultLedgerWindowHours = 72;

    // Upper bounds, checked up front so that a value is refused with its allowed range instead of
    // being accepted and breaking at run time: timers and cancellation delays cannot reach past
    // ~49 days (2147483647 s made every phase lost with "Parameter 'delay'"), and a start time plus
    // 1e308 minutes overflows (the orchestration failed with an empty message).

    /// <summary>7 days: no Autopack phase should run longer, and it stays far below every timer limit.</summary>
    public const int PhaseTimeoutLimitSeconds = 7 * 24 * 60 * 60;

    /// <summary>30 days.</summary>
    public const int MaxTotalMinutesLimit = 30 * 24 * 60;

    /// <summary>30 days: the ledger drops older entries, so a longer window would see nothing more.</summary>
    public const int MaxLedgerWindowHours = 30 * 24;

    /// <summary>Longest run id or skip prefix (Autopack's ids are far shorter; the ids also name blobs).</summary>
    public const int MaxIdLength = 512;

    public const int MaxSkipRunPrefixes = 100;

    public const int MaxApiUrlLength = 2048;

    /// <summary>The most phases in flight at once (<c>--parallel</c>); also the most <c>--slot</c>s.</summary>
    public const int MaxParallel = 16;

    public int BatchSize { get; init; } = DefaultBatchSize;

    public string? RunId { get; init; }

    public bool DryRun { get; init; }

    /// <summary>
    /// Autopack's BUILD-132 rule (default on): QUEUED phases are left alone one by one, never whole
    /// runs; it only adds the <c>[INFO] Skipping N individual QUEUED phases</c> line, because the
    /// candidates are FAILED phases anyway.
    /// </summary>
    public bool SkipRunsWithQueued { get; init; } = true;

    /// <summary>
    /// Ours, opt-in: skip every run that has a phase QUEUED, EXECUTING, GATE or CI_RUNNING (the
    /// guide's run-level guard, which Autopack dropped as "1 queued blocks 5 failed").
    /// </summary>
    public bool SkipRunsInFlight { get; init; }

    public string? ApiUrl { get; init; }

    public int PhaseTimeoutSeconds { get; init; } = DefaultPhaseTimeoutSeconds;

    public double? MaxTotalMinutes { get; init; }

    /// <summary>
    /// v3: a phase that reaches its timeout while it still shows progress (new telemetry rows of
    /// its run, new executor output) gets one more <see cref="PhaseTimeoutSeconds"/>, up to
    /// <see cref="MaxPhaseTimeoutSeconds"/> (docs/progress-timeouts.md).
    /// </summary>
    public bool ExtendOnProgress { get; init; }

    /// <summary>The longest a phase may run with extensions; null: twice <see cref="PhaseTimeoutSeconds"/>.</summary>
    public int? MaxPhaseTimeoutSeconds { get; init; }

    /// <summary>The longest a phase may run: its timeout, or with <see cref="ExtendOnProgress"/> the extended maximum.</summary>
    public int LongestPhaseSeconds()
    {
        if (!ExtendOnProgress)
        {
            return PhaseTimeoutSeconds;
        }

        var longest = MaxPhaseTimeoutSeconds ?? 2L * PhaseTimeoutSeconds;
        return (int)Math.Clamp(longest, PhaseTimeoutSeconds, Math.Max(PhaseTimeoutSeconds, PhaseTimeoutLimitSeconds));
    }

    public int MaxTimeoutsPerRun { get; init; } = DefaultMaxTimeoutsPerRun;

    public int MaxAttemptsPerPhase { get; init; } = DefaultMaxAttemptsPerPhase;

    public int MaxFingerprintRepeats { get; init; } = DefaultMaxFingerprintRepeats;

    public IReadOnlyList<string> SkipRunPrefixes { get; init; } = [];

    public int? MaxConsecutiveZeroYield { get; init; }

    public bool SampleFirst { get; init; }

    public bool AllowEmptyDb { get; init; }

    public bool LedgerEnabled { get; init; } = true;

    public int LedgerWindowHours { get; init; } = DefaultLedgerWindowHours;

    /// <summary>Phases in flight at once; null: one per <see cref="Slots"/> entry, else 1 (the sequential drain).</summary>
    public int? Parallel { get; init; }

    /// <summary>The slots' texts (<c>api=URL[,workspace=DIR]</c>, see <see cref="DrainSlot"/>); empty: every slot uses <see cref="ApiUrl"/>.</summary>
    public IReadOnlyList<string> Slots { get; init; } = [];

    /// <summary>The order among eligible phases: <c>seed</c> (the policy's own), <c>yield</c> or <c>forecast</c> (docs/forecast.md).</summary>
    public string Prioritize { get; init; } = Forecasts.PrioritizeModes.Seed;

    /// <summary><see cref="Prioritize"/> as its mode (an unknown name, refused by <see cref="Validate"/>, is the seed order).</summary>
    public Forecasts.PrioritizeMode PrioritizeMode() => Forecasts.PrioritizeModes.Parse(Prioritize) ?? Forecasts.PrioritizeMode.Seed;

    /// <summary>How many phases may be in flight at once.</summary>
    public int ParallelSlots() => Parallel ?? Math.Max(1, Slots.Count);

    /// <summary>
    /// Slot <paramref name="number"/> (1-based) as the executor sees it: the given slot's API server
    /// and workspace, else <see cref="ApiUrl"/> and the executor's own workspace.
    /// </summary>
    public DrainSlot SlotFor(int number) =>
        number >= 1 && number <= Slots.Count && DrainSlot.Parse(Slots[number - 1], number) is { Slot: { } given }
            ? given
            : new DrainSlot(number, ApiUrl, null);

    /// <summary>
    /// Every problem with the options, each naming the option by its flag name without dashes
    /// (<c>batch-size</c>); the CLI shows <c>--batch-size</c>, the HTTP API <c>batchSize</c>. The
    /// bounds are the declarations' (<see cref="DrainOptionCatalog"/>).
    /// </summary>
    public IReadOnlyList<OptionError> Validate()
    {
        var errors = DrainOptionCatalog.All.SelectMany(spec => spec.Problems(spec.Get(this)).Select(message => new OptionError(spec.Name, message))).ToList();

        // Without extend-on-progress the maximum is not used (as the other options, it may be given alone).
        if (MaxPhaseTimeoutSeconds is { } longest && ExtendOnProgress && longest < PhaseTimeoutSeconds && errors.Count == 0)
        {
            errors.Add(new OptionError(DrainOptionCatalog.MaxPhaseTimeoutSeconds.Name, string.Create(CultureInfo.InvariantCulture, $"must be at least phase-timeout-seconds ({PhaseTimeoutSeconds}) with extend-on-progress (got {longest})")));
        }

        // Two slots sharing one API server and workspace would defeat the point of slots.
        if (Parallel is { } k && Slots.Count > 0 && k > Slots.Count && errors.Count == 0)
        {
            errors.Add(new OptionError(DrainOptionCatalog.Parallel.Name, string.Create(CultureInfo.InvariantCulture, $"must be at most the number of slots given ({Slots.Count}) (got {k})")));
        }

        return errors;
    }

    /// <summary>The message of a too long text; the text itself is not echoed (it may be megabytes).</summary>
    public static string TooLong(int length, int maximum) =>
        string.Create(CultureInfo.InvariantCulture, $"must be at most {maximum} characters long (got {length})");
}
