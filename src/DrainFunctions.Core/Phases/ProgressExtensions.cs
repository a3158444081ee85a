using System.Globalization;

namespace DrainFunctions.Core.Phases;

/// <summary>What a running attempt has produced so far: the telemetry rows of its run, and its executor's output.</summary>
/// <param name="Events">Telemetry rows of the phase's run; null when they could not be counted.</param>
/// <param name="OutputBytes">Bytes of stdout and stderr stored so far.</param>
public readonly record struct ProgressMarks(long? Events, long OutputBytes);

/// <summary>One extension of a phase's deadline: the result field <c>extensions</c>.</summary>
/// <param name="AtSeconds">Seconds into the attempt when the progress was seen.</param>
/// <param name="NewEvents">Telemetry rows of its run added since the last look.</param>
/// <param name="NewOutputBytes">Output bytes added since the last look.</param>
/// <param name="TimeoutSeconds">The phase's timeout from then on, counted from the attempt's start.</param>
public sealed record PhaseExtension(double AtSeconds, long NewEvents, long NewOutputBytes, int TimeoutSeconds);

/// <summary>
/// The guide's v3 progress-aware timeout ("start at 10m, auto-increase to 20m if phase shows
/// progress"): shortly before a phase's deadline (<see cref="NextCheck"/>) the drain looks at what
/// it produced in the window before (<see cref="Window"/>: the marks are taken when it opens); with
/// new telemetry rows of its run or new output its timeout grows by one base timeout, up to the
/// maximum; without, it is stopped at its deadline as always. The same decision for the durable
/// drain (the <c>CheckPhaseProgress</c> activity) and the simulator.
/// </summary>
public static class ProgressExtensions
{
    private static readonly TimeSpan LongestLead = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long before the deadline the drain looks: a tenth of the base timeout, 1-30 s, at most
    /// half of it. Early enough for the new deadline to reach the executor (it reads it when its
    /// own deadline comes) even when the host is slow.
    /// </summary>
    public static TimeSpan CheckLead(int baseTimeoutSeconds)
    {
        var tenth = TimeSpan.FromSeconds(baseTimeoutSeconds / 10.0);
        var lead = tenth < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : tenth > LongestLead ? LongestLead : tenth;
        var half = TimeSpan.FromSeconds(baseTimeoutSeconds / 2.0);
        return lead > half ? half : lead;
    }

    /// <summary>When to look at an attempt whose timeout (from <paramref name="startedAt"/>) is <paramref name="timeoutSeconds"/>; null: never, it cannot grow.</summary>
    public static DateTimeOffset? NextCheck(DateTimeOffset startedAt, int timeoutSeconds, int baseTimeoutSeconds, int longestSeconds) =>
        timeoutSeconds >= longestSeconds ? null : startedAt + TimeSpan.FromSeconds(timeoutSeconds) - CheckLead(baseTimeoutSeconds);

    /// <summary>
    /// How far back a look sees: a quarter of the base timeout, 2 s to 5 minutes. Progress is what
    /// the attempt produced in this window just before the look, not since its start, so that a
    /// phase that printed its banner and then hung is not extended.
    /// </summary>
    public static TimeSpan Window(int baseTimeoutSeconds)
    {
        var quarter = TimeSpan.FromSeconds(baseTimeoutSeconds / 4.0);
        return quarter < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : quarter > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : quarter;
    }

    /// <summary>When the window before the look at <paramref name="check"/> opens (the marks are taken then), never before the attempt's start.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset startedAt, DateTimeOffset check, int baseTimeoutSeconds)
    {
        var opens = check - Window(baseTimeoutSeconds);
        return opens < startedAt ? startedAt : opens;
    }

    /// <summary>
    /// The extension an attempt earns at a look <paramref name="elapsedSeconds"/> into it, or null:
    /// no progress since <paramref name="last"/>, or its timeout already at <paramref name="longestSeconds"/>.
    /// (Whether the executor still waits for the look is the attempt marker's to say, not this.)
    /// </summary>
    public static PhaseExtension? Decide(int baseTimeoutSeconds, int longestSeconds, int timeoutSeconds, double elapsedSeconds, ProgressMarks last, ProgressMarks now)
    {
        if (timeoutSeconds >= longestSeconds)
        {
            return null;
        }

        var events = now.Events is { } n && last.Events is { } l ? Math.Max(0, n - l) : 0;
        var bytes = Math.Max(0, now.OutputBytes - last.OutputBytes);
        if (events == 0 && bytes == 0)
        {
            return null;
        }

        var next = (int)Math.Min((long)timeoutSeconds + baseTimeoutSeconds, longestSeconds);
        return new PhaseExtension(Math.Round(elapsedSeconds, 3), events, bytes, next);
    }

    /// <summary>The progress line: <c>    [EXTEND] progress seen (+3 events, +12.5 KB output): deadline now 20m</c>.</summary>
    public static string Line(PhaseExtension extension)
    {
        ArgumentNullException.ThrowIfNull(extension);
        var kb = extension.NewOutputBytes == 0 ? 0 : Math.Max(0.1, Math.Round(extension.NewOutputBytes / 1024.0, 1));
        return string.Create(CultureInfo.InvariantCulture, $"    [EXTEND] progress seen (+{extension.NewEvents} events, +{kb:0.#} KB output): deadline now {Duration(extension.TimeoutSeconds)}");
    }

    /// <summary>A timeout as a person says it: <c>45s</c>, <c>20m</c>, <c>2m30s</c>, <c>2h</c>, <c>1h30m</c>.</summary>
    public static string Duration(int seconds)
    {
        if (seconds < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
        }

        var (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        var text = hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{hours}h") : string.Empty;
        if (minutes > 0 || (hours == 0 && rest == 0))
        {
            text += string.Create(CultureInfo.InvariantCulture, $"{minutes}m");
        }

        return rest > 0 ? text + string.Create(CultureInfo.InvariantCulture, $"{rest}s") : text;
    }
}
