using System.Collections.Concurrent;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// The controller's overhead per phase: the wall-clock time from one save of a session to the save
/// of its next result (of the same slot, in a parallel drain), less that phase's executor time. It
/// is what the drain spent around the executor: selection, snapshots, settle, saves, the ledger,
/// orchestrator turns. The orchestrator cannot measure it (it must not read clocks) and the result
/// timestamps have whole seconds only, so the save activity does, as each save ends: the previous
/// save is remembered in this process (the header's save starts the first cycle of every slot). A
/// result whose previous save happened in another process (scale-out, a restart) is not measured,
/// nor a save delivered again.
/// </summary>
public static class PhaseCycles
{
    /// <summary>Sessions that never finish here must not grow the map without bound.</summary>
    private const int MaxTracked = 10_000;

    private const int Header = -1;

    private static readonly ConcurrentDictionary<(string Session, int? Slot), (DateTimeOffset At, int Index)> LastSave = new();

    /// <summary>The header of <paramref name="sessionId"/> was saved at <paramref name="at"/>: the first cycle of every slot starts here.</summary>
    public static void Started(string sessionId, DateTimeOffset at)
    {
        if (LastSave.Count > MaxTracked)
        {
            LastSave.Clear();
        }

        LastSave[(sessionId, null)] = (at, Header);
    }

    /// <summary>The overhead of <paramref name="result"/>, saved at <paramref name="at"/>, in seconds (at least 0); null when its cycle's start is unknown.</summary>
    public static double? Overhead(string sessionId, DrainResult result, int resultIndex, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(result);
        var key = (sessionId, result.Slot);
        var found = LastSave.TryGetValue(key, out var previous)
            || (result.Slot is not null && LastSave.TryGetValue((sessionId, null), out previous) && previous.Index == Header);
        if (found && resultIndex <= previous.Index)
        {
            return null;
        }

        LastSave[key] = (at, resultIndex);
        return found ? Math.Max(0, (at - previous.At).TotalSeconds - (result.SubprocessDurationSeconds ?? 0)) : null;
    }

    /// <summary>Forgets a finished session.</summary>
    public static void Forget(string sessionId)
    {
        foreach (var key in LastSave.Keys.Where(k => k.Session == sessionId))
        {
            LastSave.TryRemove(key, out _);
        }
    }
}
