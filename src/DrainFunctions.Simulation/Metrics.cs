using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>The economics of a set of attempts.</summary>
public sealed record DrainMetrics
{
    public int Attempted { get; init; }

    public int Successes { get; init; }

    public int Timeouts { get; init; }

    public long TelemetryEvents { get; init; }

    public double ExecutorMinutes { get; init; }

    /// <summary>Deadline extensions granted (<c>--extend-on-progress</c>).</summary>
    public int Extensions { get; init; }

    /// <summary>Attempts that got at least one extension.</summary>
    public int ExtendedAttempts { get; init; }

    /// <summary>Extended attempts that then succeeded.</summary>
    public int ExtendedSuccesses { get; init; }

    /// <summary>Minutes of attempts that neither succeeded nor yielded telemetry.</summary>
    public double WastedMinutes { get; init; }

    /// <summary>Wasted minutes as a share of executor minutes (percent).</summary>
    public double WastePercent => ExecutorMinutes > 0 ? WastedMinutes / ExecutorMinutes * 100 : 0;

    public double PhasesPerHour => ExecutorMinutes > 0 ? Attempted / (ExecutorMinutes / 60) : 0;

    public double SuccessesPerHour => ExecutorMinutes > 0 ? Successes / (ExecutorMinutes / 60) : 0;

    public static bool IsWasted(DrainResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return !r.Success && r.TelemetryEventsCollected is not > 0;
    }

    public static DrainMetrics Of(IEnumerable<DrainResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        return new DrainMetrics
        {
            Attempted = list.Count,
            Successes = list.Count(r => r.Success),
            Timeouts = list.Count(r => r.IsTimeout),
            TelemetryEvents = list.Sum(r => r.TelemetryEventsCollected is > 0 ? r.TelemetryEventsCollected.Value : 0),
            ExecutorMinutes = list.Sum(r => r.SubprocessDurationSeconds ?? 0) / 60,
            WastedMinutes = list.Where(IsWasted).Sum(r => r.SubprocessDurationSeconds ?? 0) / 60,
            Extensions = list.Sum(r => r.Extensions?.Count ?? 0),
            ExtendedAttempts = list.Count(r => r.Extensions is { Count: > 0 }),
            ExtendedSuccesses = list.Count(r => r.Extensions is { Count: > 0 } && r.Success),
        };
    }

    /// <summary>
    /// Wasted minutes within the first <paramref name="minutes"/> executor-minutes of
    /// <paramref name="results"/> (the attempt that crosses the mark counts pro rata).
    /// </summary>
    public static double WastedWithin(IEnumerable<DrainResult> results, double minutes)
    {
        ArgumentNullException.ThrowIfNull(results);
        double elapsed = 0, wasted = 0;
        foreach (var r in results)
        {
            var length = (r.SubprocessDurationSeconds ?? 0) / 60;
            var counted = Math.Min(length, minutes - elapsed);
            if (counted <= 0)
            {
                break;
            }

            wasted += IsWasted(r) ? counted : 0;
            elapsed += counted;
        }

        return wasted;
    }

    /// <summary>Percent less waste than <paramref name="baseline"/> (positive = less waste).</summary>
    public double WasteReductionVs(DrainMetrics baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return baseline.WastedMinutes > 0 ? (baseline.WastedMinutes - WastedMinutes) / baseline.WastedMinutes * 100 : 0;
    }

    /// <summary>Change in the waste share, in percent of the baseline's waste share.</summary>
    public double WasteShareReductionVs(DrainMetrics baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return baseline.WastePercent > 0 ? (baseline.WastePercent - WastePercent) / baseline.WastePercent * 100 : 0;
    }
}
