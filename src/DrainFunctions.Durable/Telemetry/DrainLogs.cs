using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// The session id as a logging scope around what a drain logs, and the progress lines as structured
/// events. Both are written by activities and by the command line's status follower, never by the
/// orchestrator (it replays: a line would be logged once per replay).
/// </summary>
public static partial class DrainLogs
{
    /// <summary>The category of the progress-line events.</summary>
    public const string ProgressCategory = "DrainFunctions.Progress";

    private static readonly Func<ILogger, string, IDisposable?> SessionScope = LoggerMessage.DefineScope<string>("Session {SessionId}");

    /// <summary>A scope naming the session around everything logged until disposed; none without a session id.</summary>
    public static IDisposable? BeginSession(ILogger logger, string? sessionId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return string.IsNullOrEmpty(sessionId) ? null : SessionScope(logger, sessionId);
    }

    /// <summary>The session an activity works for, read from its input; null for inputs that name none.</summary>
    public static string? SessionOf(object? input) => input switch
    {
        SelectNextPhaseInput i => i.SessionId,
        TelemetrySnapshotInput i => i.SessionId,
        RunPhaseExecutorInput i => i.SessionId,
        SettlePhaseOutcomeInput i => i.SessionId,
        RestorePhaseInput i => i.SessionId,
        SaveSessionSnapshotInput i => i.SessionId,
        FinishSessionInput i => i.SessionId,
        RecordLedgerEntryInput i => i.SessionId,
        RenewDrainLockInput i => i.SessionId,
        CheckAgentWorkInput i => i.SessionId,
        CheckPhaseProgressInput i => i.SessionId,
        _ => null,
    };

    /// <summary>One progress line of a drain, as <c>drain</c> prints it on stdout, with its sequence number in the session.</summary>
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "{SessionId} #{LineSequence}: {Line}")]
    public static partial void ProgressLine(ILogger logger, string sessionId, long lineSequence, string line);
}
