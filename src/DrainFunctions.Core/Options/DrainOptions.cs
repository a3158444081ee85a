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
    public const int MaxPhaseTimeoutSeconds = 7 * 24 * 60 * 60;

    /// <summary>30 days.</summary>
    public const int MaxTotalMinutesLimit = 30 * 24 * 60;

    /// <summary>30 days: the ledger drops older entries, so a longer window would see nothing more.</summary>
    public const int MaxLedgerWindowHours = 30 * 24;

    /// <summary>Longest run id or skip prefix (Autopack's ids are far shorter; the ids also name blobs).</summary>
    public const int MaxIdLength = 512;

    public const int MaxSkipRunPrefixes = 100;

    public const int MaxApiUrlLength = 2048;

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

    public int MaxTimeoutsPerRun { get; init; } = DefaultMaxTimeoutsPerRun;

    public int MaxAttemptsPerPhase { get; init; } = DefaultMaxAttemptsPerPhase;

    public int MaxFingerprintRepeats { get; init; } = DefaultMaxFingerprintRepeats;

    public IReadOnlyList<string> SkipRunPrefixes { get; init; } = [];

    public int? MaxConsecutiveZeroYield { get; init; }

    public bool SampleFirst { get; init; }

    public bool AllowEmptyDb { get; init; }

    public bool LedgerEnabled { get; init; } = true;

    public int LedgerWindowHours { get; init; } = DefaultLedgerWindowHours;

    /// <summary>
    /// Every problem with the options, each naming the option by its flag name without dashes
    /// (<c>batch-size</c>); the CLI shows <c>--batch-size</c>, the HTTP API <c>batchSize</c>.
    /// </summary>
    public IReadOnlyList<OptionError> Validate()
    {
        var errors = new List<OptionError>();
        RequireAtLeast(errors, "batch-size", BatchSize, 1);
        RequireBetween(errors, "phase-timeout-seconds", PhaseTimeoutSeconds, 1, MaxPhaseTimeoutSeconds, "7 days");
        RequireAtLeast(errors, "max-timeouts-per-run", MaxTimeoutsPerRun, 1);
        RequireAtLeast(errors, "max-attempts-per-phase", MaxAttemptsPerPhase, 1);
        RequireAtLeast(errors, "max-fingerprint-repeats", MaxFingerprintRepeats, 1);
        RequireBetween(errors, "ledger-window-hours", LedgerWindowHours, 1, MaxLedgerWindowHours, "30 days, what the ledger keeps");
        if (MaxConsecutiveZeroYield is { } zeroYield)
        {
            RequireAtLeast(errors, "max-consecutive-zero-yield", zeroYield, 1);
        }

        if (MaxTotalMinutes is { } minutes && (double.IsNaN(minutes) || double.IsInfinity(minutes) || minutes <= 0 || minutes > MaxTotalMinutesLimit))
        {
            errors.Add(new OptionError("max-total-minutes", string.Create(CultureInfo.InvariantCulture, $"must be a number greater than 0 and at most {MaxTotalMinutesLimit} (30 days) (got {minutes:R})")));
        }

        if (RunId is not null && string.IsNullOrWhiteSpace(RunId))
        {
            errors.Add(new OptionError("run-id", "must not be empty"));
        }
        else if (RunId is { Length: > MaxIdLength })
        {
            errors.Add(new OptionError("run-id", TooLong(RunId.Length, MaxIdLength)));
        }

        if (SkipRunPrefixes.Any(string.IsNullOrEmpty))
        {
            errors.Add(new OptionError("skip-run-prefix", "must not be empty (an empty prefix would skip every run)"));
        }

        if (SkipRunPrefixes.Count > MaxSkipRunPrefixes)
        {
            errors.Add(new OptionError("skip-run-prefix", string.Create(CultureInfo.InvariantCulture, $"at most {MaxSkipRunPrefixes} prefixes (got {SkipRunPrefixes.Count})")));
        }

        if (SkipRunPrefixes.FirstOrDefault(p => p is { Length: > MaxIdLength }) is { } longPrefix)
        {
            errors.Add(new OptionError("skip-run-prefix", TooLong(longPrefix.Length, MaxIdLength)));
        }

        if (ApiUrl is { Length: > MaxApiUrlLength })
        {
            errors.Add(new OptionError("api-url", TooLong(ApiUrl.Length, MaxApiUrlLength)));
        }
        else if (ApiUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add(new OptionError("api-url", "must be an absolute http:// or https:// URL"));
        }

        return errors;
    }

    /// <summary>The message of a too long text; the text itself is not echoed (it may be megabytes).</summary>
    public static string TooLong(int length, int maximum) =>
        string.Create(CultureInfo.InvariantCulture, $"must be at most {maximum} characters long (got {length})");

    private static void RequireBetween(List<OptionError> errors, string name, int value, int minimum, int maximum, string meaning)
    {
        if (value < minimum || value > maximum)
        {
            errors.Add(new OptionError(name, string.Create(CultureInfo.InvariantCulture, $"must be an integer from {minimum} to {maximum} ({meaning}) (got {value})")));
        }
    }

    private static void RequireAtLeast(List<OptionError> errors, string name, int value, int minimum)
    {
        if (value < minimum)
        {
            errors.Add(new OptionError(name, string.Create(CultureInfo.InvariantCulture, $"must be an integer >= {minimum} (got {value})")));
        }
    }
}

/// <summary>One invalid option: <paramref name="Name"/> is the flag name without dashes.</summary>
public sealed record OptionError(string Name, string Message)
{
    public string FlagName => "--" + Name;

    /// <summary>The option's name in the HTTP API (camelCase).</summary>
    public string JsonName
    {
        get
        {
            var parts = Name.Split('-');
            return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
        }
    }
}
