using System.Collections.Concurrent;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// The controller's overhead per phase: the time from one result of a session (of a slot, in a
/// parallel drain) to the next, less the later phase's executor time. It is what the drain spent
/// around the executor: selection, snapshots, settle, saves, orchestrator turns. The orchestrator
/// cannot measure it (no clocks there beyond its replay-safe time, no emission), so the save of each
/// result does, from the result timestamps it sees: the previous one is remembered in this process,
/// the first result's cycle starts at the session's start. A result whose predecessor was saved by
/// another process (scale-out, a restart) is not measured.
/// </summary>
public static class PhaseCycles
{
    /// <summary>Sessions that never finish here must not grow the map without bound.</summary>
    private const int MaxTracked = 10_000;

    private static readonly ConcurrentDictionary<(string Session, int? Slot), DateTimeOffset> LastResultAt = new();

    /// <summary>The overhead of <paramref name="result"/> in seconds (at least 0), or null when its cycle's start is unknown.</summary>
    public static double? Overhead(string sessionId, DateTimeOffset sessionStart, DrainResult result, int resultIndex, DateTimeOffset resultAt)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (LastResultAt.Count > MaxTracked)
        {
            LastResultAt.Clear();
        }

        var key = (sessionId, result.Slot);
        DateTimeOffset? cycleStart = LastResultAt.TryGetValue(key, out var previous) ? previous : resultIndex == 0 ? sessionStart : null;
        LastResultAt[key] = resultAt;

        // A redelivered save sees its own timestamp as the previous one: nothing to measure.
        if (cycleStart is not { } start || resultAt <= start)
        {
            return null;
        }

        return Math.Max(0, (resultAt - start).TotalSeconds - (result.SubprocessDurationSeconds ?? 0));
    }

    /// <summary>Forgets a finished session.</summary>
    public static void Forget(string sessionId)
    {
        foreach (var key in LastResultAt.Keys.Where(k => k.Session == sessionId))
        {
            LastResultAt.TryRemove(key, out _);
        }
    }
}
