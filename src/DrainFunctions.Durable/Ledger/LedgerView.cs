using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Ledger;

/// <summary>
/// The ledger as the selector sees it, for one session at one instant: only entries within the
/// window count, and attempts and timeouts of the asking session itself are left out (its own
/// <c>PolicyState</c> already counts them; counting both would double them).
/// <para>
/// A run is stopped when (within the window) a session's bookkeeping stopped it, when one of its
/// failure fingerprints reached max_fingerprint_repeats over all sessions, or when one of its
/// failure fingerprints came back in a later session (the simulator's rule, adopted: see
/// docs/function-app.md). Timeout fingerprints are left to max_timeouts_per_run, since their text
/// is the same in every run, and fingerprints marked RETRYABLE are never taken as deterministic.
/// </para>
/// </summary>
public sealed class LedgerView : ICrossSessionLimits
{
    private readonly Dictionary<string, int> attempts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> timeouts = new(StringComparer.Ordinal);
    private readonly HashSet<string> stopped = new(StringComparer.Ordinal);

    public LedgerView(LedgerDocument document, string? currentSessionId, DateTimeOffset now, int windowHours, int maxFingerprintRepeats)
    {
        ArgumentNullException.ThrowIfNull(document);
        var since = now - TimeSpan.FromHours(windowHours);
        var live = document.Attempts.Where(a => a.At >= since).ToList();
        foreach (var a in live.Where(a => a.SessionId != currentSessionId))
        {
            attempts[a.PhaseKey] = attempts.GetValueOrDefault(a.PhaseKey) + 1;
            if (a.Timeout)
            {
                timeouts[a.RunId] = timeouts.GetValueOrDefault(a.RunId) + 1;
            }
        }

        foreach (var s in document.StoppedRuns.Where(s => s.At >= since))
        {
            stopped.Add(s.RunId);
        }

        var repeats = live
            .Where(a => !a.Success && !a.Timeout && IsDeterministicCandidate(a.Fingerprint))
            .GroupBy(a => (a.RunId, a.Fingerprint));
        foreach (var g in repeats)
        {
            if (g.Count() >= maxFingerprintRepeats || g.Select(a => a.SessionId).Distinct(StringComparer.Ordinal).Count() >= 2)
            {
                stopped.Add(g.Key.RunId);
            }
        }
    }

    public int AttemptsOf(string phaseKey) => attempts.GetValueOrDefault(phaseKey);

    public int TimeoutsOf(string runId) => timeouts.GetValueOrDefault(runId);

    public bool IsRunStopped(string runId) => stopped.Contains(runId);

    public IReadOnlyCollection<string> StoppedRuns => stopped;

    private static bool IsDeterministicCandidate(string? fingerprint) =>
        !string.IsNullOrEmpty(fingerprint) && !fingerprint.Contains("retryable", StringComparison.OrdinalIgnoreCase);
}
