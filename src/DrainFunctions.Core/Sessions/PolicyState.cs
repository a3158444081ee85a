namespace DrainFunctions.Core.Sessions;

/// <summary>
/// The compact state the policy needs between phases: totals, stop-condition sets and the keys
/// already processed. It is what the orchestration carries; the results themselves live in the
/// session document.
/// </summary>
public sealed class PolicyState
{
    public int TotalProcessed { get; set; }

    public int TotalSuccess { get; set; }

    public int TotalFailed { get; set; }

    public int TotalTimeouts { get; set; }

    public long TotalTelemetryEvents { get; set; }

    /// <summary>Insertion-ordered, as Python dicts are.</summary>
    public OrderedDictionary<string, int> FingerprintCounts { get; set; } = new(StringComparer.Ordinal);

    public List<string> StoppedFingerprints { get; set; } = [];

    public List<string> StoppedRuns { get; set; } = [];

    public int ConsecutiveZeroYield { get; set; }

    public List<string> SampledRuns { get; set; } = [];

    public List<string> PromisingRuns { get; set; } = [];

    public List<string> DeprioritizedRuns { get; set; } = [];

    /// <summary><c>run_id:phase_id</c> of every result in this session; never picked again.</summary>
    public HashSet<string> ProcessedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Timeouts (return code -1 or 143) per run in this session.</summary>
    public Dictionary<string, int> RunTimeouts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Attempts per phase made by earlier sessions (resumed, imported, or recorded in the ledger).
    /// Within one session a phase is attempted once, so without this history
    /// <c>max_attempts_per_phase</c> could never fire, as in the Python tool.
    /// </summary>
    public Dictionary<string, int> PriorAttempts { get; set; } = new(StringComparer.Ordinal);

    public int TimeoutsOf(string runId) => RunTimeouts.GetValueOrDefault(runId);

    public int AttemptsOf(string key) => PriorAttempts.GetValueOrDefault(key) + (ProcessedKeys.Contains(key) ? 1 : 0);

    public PolicyState Clone() => new()
    {
        TotalProcessed = TotalProcessed,
        TotalSuccess = TotalSuccess,
        TotalFailed = TotalFailed,
        TotalTimeouts = TotalTimeouts,
        TotalTelemetryEvents = TotalTelemetryEvents,
        FingerprintCounts = new OrderedDictionary<string, int>(FingerprintCounts, StringComparer.Ordinal),
        StoppedFingerprints = [.. StoppedFingerprints],
        StoppedRuns = [.. StoppedRuns],
        ConsecutiveZeroYield = ConsecutiveZeroYield,
        SampledRuns = [.. SampledRuns],
        PromisingRuns = [.. PromisingRuns],
        DeprioritizedRuns = [.. DeprioritizedRuns],
        ProcessedKeys = new HashSet<string>(ProcessedKeys, StringComparer.Ordinal),
        RunTimeouts = new Dictionary<string, int>(RunTimeouts, StringComparer.Ordinal),
        PriorAttempts = new Dictionary<string, int>(PriorAttempts, StringComparer.Ordinal),
    };

    /// <summary>Rebuilds the derived sets (processed keys, run timeouts) from a session's results.</summary>
    public void RebuildDerived(IEnumerable<DrainResult> results)
    {
        ProcessedKeys.Clear();
        RunTimeouts.Clear();
        foreach (var result in results)
        {
            ProcessedKeys.Add(result.Key);
            if (result.IsTimeout)
            {
                RunTimeouts[result.RunId] = RunTimeouts.GetValueOrDefault(result.RunId) + 1;
            }
        }
    }
}
