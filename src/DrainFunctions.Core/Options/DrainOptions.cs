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
        RequireAtLeast(errors, "phase-timeout-seconds", PhaseTimeoutSeconds, 1);
        RequireAtLeast(errors, "max-timeouts-per-run", MaxTimeoutsPerRun, 1);
        RequireAtLeast(errors, "max-attempts-per-phase", MaxAttemptsPerPhase, 1);
        RequireAtLeast(errors, "max-fingerprint-repeats", MaxFingerprintRepeats, 1);
        RequireAtLeast(errors, "ledger-window-hours", LedgerWindowHours, 1);
        if (MaxConsecutiveZeroYield is { } zeroYield)
        {
            RequireAtLeast(errors, "max-consecutive-zero-yield", zeroYield, 1);
        }

        if (MaxTotalMinutes is { } minutes && (double.IsNaN(minutes) || double.IsInfinity(minutes) || minutes <= 0))
        {
            errors.Add(new OptionError("max-total-minutes", "must be a number greater than 0"));
        }

        if (RunId is not null && string.IsNullOrWhiteSpace(RunId))
        {
            errors.Add(new OptionError("run-id", "must not be empty"));
        }

        if (SkipRunPrefixes.Any(string.IsNullOrEmpty))
        {
            errors.Add(new OptionError("skip-run-prefix", "must not be empty (an empty prefix would skip every run)"));
        }

        if (ApiUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add(new OptionError("api-url", "must be an absolute http:// or https:// URL"));
        }

        return errors;
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
