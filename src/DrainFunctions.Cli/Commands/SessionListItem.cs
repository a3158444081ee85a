using DrainFunctions.Core.Sessions;

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
}
