using System.Globalization;
using DrainFunctions.Core.Options;

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
public sealed record BookkeepingOutcome(IReadOnlyList<string> Lines, SessionStop Stop);

/// <summary>The session bookkeeping after each phase and the stop checks before each one.</summary>
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

        var seenBefore = false;
        if (result.FailureFingerprint is { } fingerprint)
        {
            var count = state.FingerprintCounts.GetValueOrDefault(fingerprint);
            seenBefore = count > 0;
            count++;
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

        if (options.SampleFirst && result.InterruptedBy is null)
        {
            AddOnce(state.SampledRuns, result.RunId);
            if (result.Success || yielded)
            {
                AddOnce(state.PromisingRuns, result.RunId);
            }
            else if (seenBefore)
            {
                AddOnce(state.DeprioritizedRuns, result.RunId);
            }
        }

        var stop = SessionStop.None;
        if (options.MaxConsecutiveZeroYield is { } limit && state.ConsecutiveZeroYield >= limit)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"\n[ZERO YIELD] {state.ConsecutiveZeroYield} consecutive phases without telemetry (limit: {limit}) - stopping"));
            stop = SessionStop.ZeroYieldLimit;
        }
        else if (state.TotalProcessed >= options.BatchSize)
        {
            stop = SessionStop.BatchComplete;
        }

        return new BookkeepingOutcome(lines, stop);
    }

    /// <summary>
    /// The check before a phase starts: the batch is full, or the total time budget is spent.
    /// </summary>
    public static SessionStop CheckBeforePhase(PolicyState state, DrainOptions options, DateTimeOffset sessionStart, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        if (state.TotalProcessed >= options.BatchSize)
        {
            return SessionStop.BatchComplete;
        }

        return IsBudgetSpent(options, sessionStart, now) ? SessionStop.TimeLimit : SessionStop.None;
    }

    public static bool IsBudgetSpent(DrainOptions options, DateTimeOffset sessionStart, DateTimeOffset now) =>
        BudgetDeadline(options, sessionStart) is { } deadline && now >= deadline;

    /// <summary>The instant the total time budget runs out, or null without a budget.</summary>
    public static DateTimeOffset? BudgetDeadline(DrainOptions options, DateTimeOffset sessionStart) =>
        options.MaxTotalMinutes is { } minutes ? sessionStart + TimeSpan.FromMinutes(minutes) : null;

    public static string TimeLimitLine(DrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.Create(CultureInfo.InvariantCulture, $"\n[TIME LIMIT] Reached max total time of {options.MaxTotalMinutes:0.##} minutes - stopping");
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
