namespace DrainFunctions.Core.Forecasts;

/// <summary>Sums over a group of earlier attempts: the counts a forecast's estimates are made of.</summary>
public sealed class HistoryTally
{
    public int Attempts { get; private set; }

    public int Successes { get; private set; }

    public int Timeouts { get; private set; }

    /// <summary>Attempts with a known duration (session results; ledger entries have none).</summary>
    public int Timed { get; private set; }

    public double DurationSeconds { get; private set; }

    /// <summary>Attempts with a known telemetry count.</summary>
    public int Counted { get; private set; }

    public long TelemetryEvents { get; private set; }

    /// <summary>Events per executor-minute over the attempts with both known; null without executor time.</summary>
    public double? EventsPerMinute { get; private set; }

    private double yieldMinutes;
    private long yieldEvents;

    public void Add(HistoryAttempt attempt)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        Attempts++;
        Successes += attempt.Success ? 1 : 0;
        Timeouts += attempt.Timeout ? 1 : 0;
        if (attempt.DurationSeconds is { } seconds)
        {
            Timed++;
            DurationSeconds += seconds;
        }

        if (attempt.TelemetryEvents is { } events)
        {
            Counted++;
            TelemetryEvents += events;
        }

        if (attempt.DurationSeconds is { } s && attempt.TelemetryEvents is { } e)
        {
            yieldMinutes += s / 60;
            yieldEvents += e;
            EventsPerMinute = yieldMinutes > 0 ? yieldEvents / yieldMinutes : null;
        }
    }
}
