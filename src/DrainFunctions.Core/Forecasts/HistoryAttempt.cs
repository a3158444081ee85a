namespace DrainFunctions.Core.Forecasts;

/// <summary>
/// One earlier attempt of a phase, as a session's result or a ledger entry tells it. A ledger
/// entry has no duration, telemetry or message: it counts toward the chance of success only.
/// </summary>
/// <param name="At">When the attempt ended; attempts are taken in this order (null: first).</param>
/// <param name="ErrorMessage">The failure's message, which becomes the phase's last_failure_reason: the category of its next attempt.</param>
public sealed record HistoryAttempt(
    string RunId,
    string PhaseId,
    string SessionId,
    DateTimeOffset? At,
    bool Success,
    bool Timeout,
    double? DurationSeconds,
    long? TelemetryEvents,
    string? ErrorMessage)
{
    public string Key => Selection.PhaseKey.Of(RunId, PhaseId);
}
