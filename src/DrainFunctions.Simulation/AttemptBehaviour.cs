namespace DrainFunctions.Simulation;

/// <summary>What one attempt of a phase does, before any timeout or budget cuts it.</summary>
/// <param name="Hang">Never finishes (duration is infinite).</param>
/// <param name="Success">Ends COMPLETE (else FAILED with <paramref name="FailureMessage"/>).</param>
/// <param name="DurationSeconds">How long it runs to its end.</param>
/// <param name="Telemetry">Telemetry events over the whole run; a cut attempt yields its share.</param>
/// <param name="FailureMessage">Autopack's last_failure_reason after a failure.</param>
public sealed record AttemptBehaviour(bool Hang, bool Success, double DurationSeconds, long Telemetry, string? FailureMessage)
{
    /// <summary>Events collected when the attempt is cut after <paramref name="seconds"/>.</summary>
    public long PartialTelemetry(double seconds) =>
        Hang || DurationSeconds <= 0 ? 0 : (long)Math.Floor(Telemetry * Math.Min(1.0, seconds / DurationSeconds));
}
