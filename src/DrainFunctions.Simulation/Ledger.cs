using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>
/// The cross-session ledger on the simulated clock: attempts per phase (with their fingerprint),
/// timeouts per run and stopped runs, each remembered for <see cref="WindowHours"/>. Sessions are
/// committed when they end, so that the selector never counts an attempt of the running session
/// twice (once in its PolicyState, once here).
/// A run is also stopped (within the window) when one of its failure fingerprints
/// <list type="bullet">
/// <item>reached max_fingerprint_repeats over the sessions in the window (the in-session rule,
/// carried across sessions), or</item>
/// <item>came back in a later session (<see cref="StopOnCrossSessionRepeat"/>): the same failure
/// after a fresh start is taken as deterministic. Timeout fingerprints are left to
/// max_timeouts_per_run, since they are the same text in every run.</item>
/// </list>
/// </summary>
public sealed class SimulatedLedger(int maxFingerprintRepeats, int windowHours = DrainOptions.DefaultLedgerWindowHours, bool stopOnCrossSessionRepeat = true) : ICrossSessionLimits
{
    private readonly Dictionary<string, List<Entry>> byPhase = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> byRun = new(StringComparer.Ordinal);
    private readonly List<(string RunId, DateTimeOffset At)> stoppedRuns = [];
    private int sessions;

    public bool StopOnCrossSessionRepeat { get; } = stopOnCrossSessionRepeat;

    public int WindowHours { get; } = windowHours;

    public int MaxFingerprintRepeats { get; } = maxFingerprintRepeats;

    /// <summary>The instant the window is measured from (the start of the session that asks).</summary>
    public DateTimeOffset Now { get; set; }

    private DateTimeOffset Since => Now - TimeSpan.FromHours(WindowHours);

    public int AttemptsOf(string phaseKey) => Live(byPhase, phaseKey).Count();

    public int TimeoutsOf(string runId) => Live(byRun, runId).Count(e => e.Timeout);

    public bool IsRunStopped(string runId) =>
        stoppedRuns.Any(s => s.RunId == runId && s.At >= Since)
        || Live(byRun, runId).Where(e => e.Fingerprint is not null)
            .GroupBy(e => e.Fingerprint, StringComparer.Ordinal)
            .Any(g => g.Count() >= MaxFingerprintRepeats
                || (StopOnCrossSessionRepeat && !g.First().Timeout && g.Select(e => e.Session).Distinct().Count() >= 2));

    /// <summary>Remembers a finished session's attempts and stopped runs.</summary>
    public void Commit(IEnumerable<DrainResult> results, PolicyState state, DateTimeOffset endedAt)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(state);
        sessions++;
        foreach (var r in results.Where(r => r.InterruptedBy is null))
        {
            var at = Iso8601.TryParse(r.Timestamp, out var t) ? t : endedAt;
            var entry = new Entry(r.Key, r.RunId, at, r.FailureFingerprint, r.IsTimeout, sessions);
            Add(byPhase, r.Key, entry);
            Add(byRun, r.RunId, entry);
        }

        foreach (var run in state.StoppedRuns)
        {
            stoppedRuns.Add((run, endedAt));
        }
    }

    private static void Add(Dictionary<string, List<Entry>> index, string key, Entry entry)
    {
        if (!index.TryGetValue(key, out var list))
        {
            list = [];
            index[key] = list;
        }

        list.Add(entry);
    }

    private IEnumerable<Entry> Live(Dictionary<string, List<Entry>> index, string key)
    {
        var since = Since;
        return index.TryGetValue(key, out var list) ? list.Where(e => e.At >= since) : [];
    }

    private sealed record Entry(string Key, string RunId, DateTimeOffset At, string? Fingerprint, bool Timeout, int Session);
}
