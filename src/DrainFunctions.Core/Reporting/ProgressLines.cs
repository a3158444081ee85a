using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Reporting;

/// <summary>The progress lines of the seed, character for character.</summary>
public static class ProgressLines
{
    public static readonly string HeavyRule = new('=', 80);
    public static readonly string LightRule = new('-', 80);

    /// <summary><c>\n[3/10] Selecting next phase...</c>: printed before each pick.</summary>
    public static string Selecting(int processed, int batchSize) =>
        string.Create(CultureInfo.InvariantCulture, $"\n[{processed + 1}/{batchSize}] Selecting next phase...");

    public static string Draining(PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(CultureInfo.InvariantCulture, $"  Draining: {phase.RunId} / {phase.PhaseId} (index {phase.PhaseIndex})");
    }

    public static string WouldDrain(PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(CultureInfo.InvariantCulture, $"  [DRY RUN] Would drain: {phase.RunId} / {phase.PhaseId} (index {phase.PhaseIndex})");
    }

    /// <summary>The lines after a phase ends: outcome, error, telemetry.</summary>
    public static IReadOnlyList<string> Outcome(DrainResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var lines = new List<string>();
        if (result.Success)
        {
            lines.Add($"  [OK] Success: {result.FinalState}");
        }
        else
        {
            lines.Add($"  [FAIL] Failed: {result.FinalState}");
            if (!string.IsNullOrEmpty(result.ErrorMessage))
            {
                lines.Add($"    Error: {result.ErrorMessage}");
            }
        }

        if (result.TelemetryEventsCollected is { } events)
        {
            var perMinute = PyFloat.FormatFixed(result.TelemetryYieldPerMinute ?? 0, 2);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    [TELEMETRY] +{events} events ({perMinute}/min)"));
        }

        return lines;
    }

    /// <summary>
    /// Every line after a drained phase, in the tool's order: the sample-first verdict, the
    /// outcome lines, then the bookkeeping's (<c>[STOP]</c>, <c>[ZERO YIELD]</c>).
    /// </summary>
    public static IEnumerable<string> AfterPhase(DrainResult result, BookkeepingOutcome book)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(book);
        return [.. book.TriageLines, .. Outcome(result), .. book.Lines];
    }

    /// <summary>The start banner with the adaptive controls in force.</summary>
    public static IReadOnlyList<string> Banner(string sessionId, DrainOptions options, string? databaseLine = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lines = new List<string>
        {
            HeavyRule,
            "BATCH DRAIN CONTROLLER",
            HeavyRule,
            $"Session ID: {sessionId}",
        };
        if (databaseLine is not null)
        {
            lines.Add(databaseLine);
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"Batch Size: {options.BatchSize}"));
        if (options.RunId is not null)
        {
            lines.Add($"Run Filter: {options.RunId}");
        }

        if (options.DryRun)
        {
            lines.Add("Mode: DRY RUN (no changes)");
        }

        lines.Add("Adaptive Controls:");
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  Phase Timeout: {options.PhaseTimeoutSeconds}s"));
        lines.Add(options.MaxTotalMinutes is { } minutes
            ? string.Create(CultureInfo.InvariantCulture, $"  Max Total Time: {minutes:0.##} minutes")
            : "  Max Total Time: unlimited");
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  Max Timeouts per Run: {options.MaxTimeoutsPerRun}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  Max Attempts per Phase: {options.MaxAttemptsPerPhase}"));
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  Max Fingerprint Repeats: {options.MaxFingerprintRepeats}"));
        if (options.MaxConsecutiveZeroYield is { } zeroYield)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  Max Consecutive Zero-Yield: {zeroYield}"));
        }

        lines.Add($"  Skip Runs With Queued: {(options.SkipRunsWithQueued ? "enabled" : "disabled")}");
        if (options.SkipRunPrefixes.Count > 0)
        {
            lines.Add($"  Skip Run Prefixes: {string.Join(", ", options.SkipRunPrefixes)}");
        }

        if (options.SampleFirst)
        {
            lines.Add("  Sample-First Triage: enabled");
        }

        lines.Add(HeavyRule);
        return lines;
    }

    public const string InterruptedLine = "\nProgress saved. Resume with: --resume";
}
