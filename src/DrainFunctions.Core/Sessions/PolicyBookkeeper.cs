using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Sessions;

/// <summary>Why a session ended (or null while it goes on).</summary>
public enum SessionStop
{
    None = 0,
    BatchComplete,
    BacklogEmpty,
    NoEligiblePhases,
    TimeLimit,
    ZeroYieldLimit,
    Cancelled,

    /// <summary>Another drain took over the database's lock (this one's host was gone past its hold).</summary>
    LockLost,
}

/// <summary>What recording one result changed, and the lines to print for it.</summary>
public sealed record BookkeepingOutcome(IReadOnlyList<string> Lines, SessionStop Stop)
{
    /// <summary>
    /// The sample-first verdict on the run (<c>[SAMPLE-OK]</c> / <c>[SAMPLE-SKIP]</c>), printed
    /// before the phase's outcome lines as the tool prints it; <see cref="Lines"/> come after them.
    /// </summary>
    public IReadOnlyList<string> TriageLines { get; init; } = [];
}

/// <summary>The session bookkeeping after each phase and the budget it keeps (the loop's stops are <see cref="Phases.DrainLoopRules"/>).</summary>
public static class PolicyBookkeeper
{
    /// <summary>
    /// Records a finished phase: totals, timeouts, telemetry and zero-yield streak, fingerprint
    /// counts and the stopped sets, and sample-first triage. Mutates <paramref name="state"/>.
    /// </summary>
    public static BookkeepingOutcome Record(PolicyState state, DrainResult result, DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var lines = new List<string>();

        // Before the fingerprint is counted: the verdict asks whether an earlier result had it. An
        // interrupted attempt says nothing about the run, so it samples nothing.
        var triage = options.SampleFirst && result.InterruptedBy is null ? SampleTriage.RecordSample(state, result) : null;

        state.ProcessedKeys.Add(result.Key);
        state.TotalProcessed++;
        if (result.Success)
        {
            state.TotalSuccess++;
        }
        else
        {
            state.TotalFailed++;
        }

        if (result.IsTimeout)
        {
            state.TotalTimeouts++;
            state.RunTimeouts[result.RunId] = state.TimeoutsOf(result.RunId) + 1;
        }

        var yielded = result.TelemetryEventsCollected is > 0;

        // An interrupted or lost attempt says nothing about the phase: it neither grows the
        // zero-yield streak nor counts as a repeat.
        if (result.InterruptedBy is null)
        {
            if (yielded)
            {
                state.TotalTelemetryEvents += result.TelemetryEventsCollected!.Value;
                state.ConsecutiveZeroYield = 0;
            }
            else
            {
                state.ConsecutiveZeroYield++;
            }
        }

        if (result.FailureFingerprint is { } fingerprint)
        {
            var count = state.FingerprintCounts.GetValueOrDefault(fingerprint) + 1;
            state.FingerprintCounts[fingerprint] = count;
            if (count >= options.MaxFingerprintRepeats)
            {
                AddOnce(state.StoppedFingerprints, fingerprint);
                if (AddOnce(state.StoppedRuns, result.RunId))
                {
                    lines.Add($"    [STOP] Fingerprint repeated {count}x - deprioritizing run {result.RunId}");
                }
            }
        }

        var stop = SessionStop.None;
        if (options.MaxConsecutiveZeroYield is { } limit && state.ConsecutiveZeroYield >= limit)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"    [STOP] {state.ConsecutiveZeroYield} consecutive phases with 0 telemetry (limit: {limit})"));
            stop = SessionStop.ZeroYieldLimit;
        }
        else if (state.TotalProcessed >= options.BatchSize)
        {
            stop = SessionStop.BatchComplete;
        }

        return new BookkeepingOutcome(lines, stop) { TriageLines = triage is null ? [] : [triage] };
    }

    /// <summary>
    /// Records a dry-run pick: the phase is not picked again in this session and, with
    /// <c>--sample-first</c>, counts as a promising sample of its run (so a dry run shows the
    /// triage order: one phase per run first). Returns the lines to print after the pick.
    /// </summary>
    public static IReadOnlyList<string> RecordDryRunPick(PolicyState state, PhaseCandidate phase, DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(options);
        state.ProcessedKeys.Add(phase.Key);
        return options.SampleFirst && SampleTriage.RecordDryRunPick(state, phase) is { } line ? [line] : [];
    }

    public static bool IsBudgetSpent(DrainOptions options, DateTimeOffset sessionStart, DateTimeOffset now) =>
        BudgetDeadline(options, sessionStart) is { } deadline && now >= deadline;

    /// <summary>The instant the total time budget runs out, or null without a budget.</summary>
    public static DateTimeOffset? BudgetDeadline(DrainOptions options, DateTimeOffset sessionStart) =>
        options.MaxTotalMinutes is { } minutes ? sessionStart + TimeSpan.FromMinutes(minutes) : null;

    public static string TimeLimitLine(DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Create(CultureInfo.InvariantCulture, $"  [TIME LIMIT] Reached max total time ({options.MaxTotalMinutes:0.##}m)");
    }

    private static bool AddOnce(List<string> list, string value)
    {
        if (list.Contains(value))
        {
            return false;
        }

        list.Add(value);
        return true;
    }
}
