using System.Globalization;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain sessions show ID --output table</c>: a session's totals, then one line per phase drained.</summary>
public static class SessionTable
{
    public static void Write(DrainSession session, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(output);
        var s = session.State;
        output.WriteLine($"Session:   {session.SessionId} ({(session.IsComplete ? "complete" : "incomplete")})");
        output.WriteLine($"Started:   {session.StartedAt}");
        output.WriteLine($"Completed: {session.CompletedAt ?? "-"}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Totals:    {s.TotalProcessed}/{session.BatchSize} processed, {s.TotalSuccess} ok, {s.TotalFailed} failed, {s.TotalTimeouts} timeouts, {s.TotalTelemetryEvents} events"));
        foreach (var r in session.Results)
        {
            var outcome = r.InterruptedBy is not null ? "interrupted" : r.IsTimeout ? "timeout" : r.Success ? "ok" : "failed";
            var events = r.TelemetryEventsCollected is { } n ? n.ToString(CultureInfo.InvariantCulture) : "-";
            output.WriteLine($"  {r.RunId}/{r.PhaseId}  {outcome,-11}  {r.FinalState,-10}  {events} events  {r.FailureFingerprint ?? string.Empty}".TrimEnd());
        }
    }
}
