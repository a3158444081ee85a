using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// One stored session as <c>drain sessions list</c> shows it; with <c>--output json</c> these
/// fields, camelCase, are the stable shape (<c>database</c> is null for sessions stored before
/// sessions were kept per database).
/// </summary>
public sealed record SessionListItem(
    string SessionId,
    bool Complete,
    int Processed,
    int BatchSize,
    int Succeeded,
    int Failed,
    int Timeouts,
    long TelemetryEvents,
    string? Database)
{
    public static SessionListItem From(DrainSession session, string? database)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session.State;
        return new SessionListItem(session.SessionId, session.IsComplete, s.TotalProcessed, session.BatchSize, s.TotalSuccess, s.TotalFailed, s.TotalTimeouts, s.TotalTelemetryEvents, database);
    }

    /// <summary>From the totals the blob's metadata carries: no download.</summary>
    public static SessionListItem From(string sessionId, StoredTotals totals, string? database)
    {
        ArgumentNullException.ThrowIfNull(totals);
        return new SessionListItem(sessionId, totals.Complete, totals.Processed, totals.BatchSize, totals.Succeeded, totals.Failed, totals.Timeouts, totals.TelemetryEvents, database);
    }
}
