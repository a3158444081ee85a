using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Ports;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Forecasts;

/// <summary>
/// The history a forecast is made of, read from storage: the results of this database's stored
/// sessions (the newest <see cref="MaxSessions"/>, the asking session left out) and the ledger's
/// attempts of sessions whose files are gone. Core's <see cref="YieldHistory"/> does the rest.
/// </summary>
public sealed class DrainHistoryReader(BlobSessionStore sessions, BlobLedgerStore? ledger)
{
    /// <summary>How many stored sessions a forecast reads at most (each pick reads them).</summary>
    public const int MaxSessions = 100;

    public async Task<YieldHistory> ReadAsync(string? excludeSessionId, IBacklogStore backlog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backlog);
        var loaded = new List<Core.Sessions.DrainSession>();
        foreach (var stored in (await sessions.ListSessionsAsync(cancellationToken: cancellationToken)).Where(s => s.SessionId != excludeSessionId).Take(MaxSessions))
        {
            if (await sessions.LoadAsync(stored.SessionId, cancellationToken) is { } session)
            {
                loaded.Add(session);
            }
        }

        var fromLedger = ledger is null
            ? []
            : (await ledger.ReadAsync(cancellationToken)).Document.Attempts
                .Where(a => a.SessionId != excludeSessionId)
                .Select(a => new HistoryAttempt(a.RunId, a.PhaseId, a.SessionId, a.At, a.Success, a.Timeout, null, null, null));
        return await YieldHistory.BuildAsync(YieldHistory.Attempts(loaded, fromLedger), backlog, cancellationToken);
    }
}
