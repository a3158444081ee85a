using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Forecasts;

/// <summary>
/// What earlier drains of a database saw, grouped the ways a forecast falls back: per phase, per
/// run and category, per category, and all of it. The category of an attempt is the one the phase
/// had when it was picked: the category of the phase's previous attempt's message when the
/// history has one, else of the phase's last_failure_reason now (Autopack keeps it when a phase
/// completes).
/// </summary>
public sealed class YieldHistory
{
    private readonly Dictionary<string, HistoryTally> byPhase = new(StringComparer.Ordinal);
    private readonly Dictionary<(string RunId, PhaseCategory Category), HistoryTally> byRunCategory = [];
    private readonly Dictionary<PhaseCategory, HistoryTally> byCategory = [];

    private YieldHistory()
    {
    }

    public static YieldHistory Empty { get; } = new();

    /// <summary>Every attempt counted.</summary>
    public HistoryTally All { get; } = new();

    /// <summary>
    /// The history of <paramref name="attempts"/> (in any order; taken by <see cref="HistoryAttempt.At"/>).
    /// <paramref name="currentReason"/> gives a phase's last_failure_reason now, for its first attempt's category.
    /// </summary>
    public static YieldHistory Build(IEnumerable<HistoryAttempt> attempts, Func<string, string?> currentReason)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(currentReason);
        var history = new YieldHistory();
        var lastMessage = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var attempt in attempts.OrderBy(a => a.At ?? DateTimeOffset.MinValue))
        {
            var key = attempt.Key;
            var reason = lastMessage.TryGetValue(key, out var previous) ? previous : currentReason(key);
            history.Add(attempt, PhaseCategorizer.Categorize(reason));

            // A success leaves the reason as it was; a failure's message becomes it.
            lastMessage[key] = attempt.Success ? reason : attempt.ErrorMessage ?? reason;
        }

        return history;
    }

    /// <summary><see cref="Build"/> with the phases' reasons read from <paramref name="store"/> (one read per phase of the history).</summary>
    public static async Task<YieldHistory> BuildAsync(IReadOnlyList<HistoryAttempt> attempts, IBacklogStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(store);
        var reasons = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var attempt in attempts)
        {
            if (!reasons.ContainsKey(attempt.Key))
            {
                var phase = await store.GetPhaseAsync(attempt.RunId, attempt.PhaseId, cancellationToken).ConfigureAwait(false);
                reasons[attempt.Key] = phase?.LastFailureReason;
            }
        }

        return Build(attempts, key => reasons.GetValueOrDefault(key));
    }

    /// <summary>
    /// The attempts of finished or interrupted sessions' results (attempts cut by the budget, a
    /// cancel or a lost host are left out: they say nothing about the phase), plus the ledger's
    /// attempts of sessions not among them (their session files are gone).
    /// </summary>
    public static IReadOnlyList<HistoryAttempt> Attempts(IEnumerable<DrainSession> sessions, IEnumerable<HistoryAttempt>? ledgerAttempts = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var attempts = new List<HistoryAttempt>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in sessions)
        {
            seen.Add(session.SessionId);
            attempts.AddRange(session.Results.Where(r => r.InterruptedBy is null).Select(r => Of(session.SessionId, r)));
        }

        attempts.AddRange((ledgerAttempts ?? []).Where(a => !seen.Contains(a.SessionId)));
        return attempts;
    }

    /// <summary>One session result as a history attempt.</summary>
    public static HistoryAttempt Of(string sessionId, DrainResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new HistoryAttempt(
            result.RunId,
            result.PhaseId,
            sessionId,
            Iso8601.TryParse(result.Timestamp, out var at) ? at : null,
            result.Success,
            result.IsTimeout,
            result.SubprocessDurationSeconds,
            result.TelemetryEventsCollected,
            result.ErrorMessage);
    }

    public HistoryTally? OfPhase(string phaseKey) => byPhase.GetValueOrDefault(phaseKey);

    public HistoryTally? OfRunCategory(string runId, PhaseCategory category) => byRunCategory.GetValueOrDefault((runId, category));

    public HistoryTally? OfCategory(PhaseCategory category) => byCategory.GetValueOrDefault(category);

    private void Add(HistoryAttempt attempt, PhaseCategory category)
    {
        All.Add(attempt);
        Tally(byPhase, attempt.Key).Add(attempt);
        Tally(byRunCategory, (attempt.RunId, category)).Add(attempt);
        Tally(byCategory, category).Add(attempt);
    }

    private static HistoryTally Tally<TKey>(Dictionary<TKey, HistoryTally> index, TKey key)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var tally))
        {
            tally = new HistoryTally();
            index[key] = tally;
        }

        return tally;
    }
}
