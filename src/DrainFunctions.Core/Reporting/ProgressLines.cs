using System.Globalization;
using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Reporting;

/// <summary>
/// The progress lines: the seed's character for character, and where the seed shows none, the
/// later Python tool's (README: "How it maps to the Python tool" lists every line that differs).
/// </summary>
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

    /// <summary>A parallel drain's <see cref="Draining"/> line, naming the slot.</summary>
    public static string DrainingInSlot(PhaseCandidate phase, int slot) =>
        string.Create(CultureInfo.InvariantCulture, $"{Draining(phase)} [slot {slot}]");

    /// <summary>
    /// A parallel drain's lines about one phase: each names its slot and phase, since the lines of
    /// phases ending in other slots come between. Blank lines stay blank.
    /// </summary>
    public static IEnumerable<string> InSlot(IEnumerable<string> lines, Phases.InFlightPhase phase)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(phase);
        var tag = string.Create(CultureInfo.InvariantCulture, $" [slot {phase.Slot}: {phase.Phase.RunId}/{phase.Phase.PhaseId}]");
        return lines.Select(line => line.Trim().Length == 0 ? line : line + tag);
    }

    /// <summary>Executor kind agent: the agent that took the phase, and how long it has.</summary>
    public static string AgentClaimed(string phaseKey, string agent, double timeoutSeconds) =>
        string.Create(CultureInfo.InvariantCulture, $"    [AGENT] {phaseKey}: run by {agent} (deadline in {timeoutSeconds:0}s)");

    /// <summary>Executor kind agent: no agent has taken the phase yet (said once per phase).</summary>
    public static string AgentWaiting(string phaseKey) =>
        string.Create(CultureInfo.InvariantCulture, $"    [AGENT] {phaseKey}: waiting for an agent with a free slot");

    public static string WouldDrain(PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return string.Create(CultureInfo.InvariantCulture, $"  [DRY RUN] Would drain: {phase.RunId} / {phase.PhaseId}");
    }

    /// <summary>How much of the error message the outcome shows, in code points (the tool's <c>[:100]</c>).</summary>
    public const int ErrorShown = 100;

    /// <summary>The line after the telemetry line of a phase whose output showed a message or context limit.</summary>
    public const string LlmBoundaryLine = "    [LLM-BOUNDARY] Hit message/context limit during execution";

    /// <summary>The lines after a phase ends: outcome, error, telemetry, LLM boundary.</summary>
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
            // The tool printed error_message[:100]; the whole message is in the session file.
            if (!string.IsNullOrEmpty(result.ErrorMessage))
            {
                lines.Add($"    Error: {PythonText.TakeCodePoints(result.ErrorMessage, ErrorShown)}");
            }
        }

        if (result.TelemetryEventsCollected is { } events)
        {
            var perMinute = PyFloat.FormatFixed(result.TelemetryYieldPerMinute ?? 0, 2);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    [TELEMETRY] +{events} events ({perMinute}/min)"));
        }

        if (result.ReachedLlmBoundary)
        {
            lines.Add(LlmBoundaryLine);
        }

        return lines;
    }

    /// <summary>
    /// Every line after a drained phase, in the tool's order: the sample-first verdict, the
    /// outcome lines, then the bookkeeping's (<c>[STOP]</c>, including the zero-yield stop).
    /// </summary>
    public static IEnumerable<string> AfterPhase(DrainResult result, BookkeepingOutcome book)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(book);
        return [.. book.TriageLines, .. Outcome(result), .. book.Lines];
    }

    /// <summary>
    /// The start banner: the later Python tool's lines (it printed no rules around them), then, in
    /// its style, the options it did not show that differ from its behaviour.
    /// </summary>
    public static IReadOnlyList<string> Banner(string sessionId, DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            "\nBatch Drain Controller",
            $"Session ID: {sessionId}",
            Invariant($"Target: Process {options.BatchSize} failed phases"),
        };
        if (options.RunId is not null)
        {
            lines.Add($"Filter: run_id = {options.RunId}");
        }

        if (options.DryRun)
        {
            lines.Add("Mode: DRY RUN (no changes will be made)");
        }

        lines.Add("Adaptive Controls:");
        lines.Add(Invariant($"  - Phase timeout: {options.PhaseTimeoutSeconds}s ({options.PhaseTimeoutSeconds / 60}m)"));
        lines.Add(options.MaxTotalMinutes is { } minutes ? Invariant($"  - Max total time: {minutes:0.##}m") : "  - Max total time: unlimited");
        lines.Add(Invariant($"  - Max timeouts per run: {options.MaxTimeoutsPerRun}"));
        lines.Add(Invariant($"  - Max attempts per phase: {options.MaxAttemptsPerPhase}"));
        lines.Add(Invariant($"  - Max fingerprint repeats: {options.MaxFingerprintRepeats}"));

        // Ours: printed only when they change what the tool would have done.
        if (options.MaxConsecutiveZeroYield is { } zeroYield)
        {
            lines.Add(Invariant($"  - Max consecutive zero-yield: {zeroYield}"));
        }

        if (options.SkipRunPrefixes.Count > 0)
        {
            lines.Add($"  - Skip run prefixes: {string.Join(", ", options.SkipRunPrefixes)}");
        }

        if (!options.SkipRunsWithQueued)
        {
            lines.Add("  - Skip runs with queued: disabled");
        }

        if (options.SkipRunsInFlight)
        {
            lines.Add("  - Skip runs in flight: enabled");
        }

        if (options.SampleFirst)
        {
            lines.Add("  - Sample-first triage: enabled");
        }

        // Only when not the default, so that the seed order's banner stays as it was.
        if (options.PrioritizeMode() != Forecasts.PrioritizeMode.Seed)
        {
            lines.Add($"  - Prioritize: {options.Prioritize} (docs/forecast.md)");
        }

        if (options.ExtendOnProgress)
        {
            lines.Add($"  - Extend on progress: up to {Phases.ProgressExtensions.Duration(options.LongestPhaseSeconds())} (docs/progress-timeouts.md)");
        }

        lines.Add(options.LedgerEnabled
            ? Invariant($"  - Cross-session ledger: on ({options.LedgerWindowHours}h window)")
            : "  - Cross-session ledger: off");
        return lines;
    }

    public const string InterruptedLine = "\nProgress saved. Resume with: --resume";
}
