using DrainFunctions.Core.Phases;

namespace DrainFunctions.Simulation;

/// <summary>What one attempt of a phase does, before any timeout or budget cuts it.</summary>
/// <param name="Hang">Never finishes (duration is infinite).</param>
/// <param name="Success">Ends COMPLETE (else FAILED with <paramref name="FailureMessage"/>).</param>
/// <param name="DurationSeconds">How long it runs to its end.</param>
/// <param name="Telemetry">Telemetry events over the whole run; a cut attempt yields its share.</param>
/// <param name="FailureMessage">Autopack's last_failure_reason after a failure.</param>
public sealed record AttemptBehaviour(bool Hang, bool Success, double DurationSeconds, long Telemetry, string? FailureMessage)
{
    /// <summary>
    /// Executor output written per second while the attempt runs (stdout and stderr); 0: silent.
    /// Only <c>--extend-on-progress</c> reads it (docs/progress-timeouts.md).
    /// </summary>
    public double OutputBytesPerSecond { get; init; }

    /// <summary>Events collected when the attempt is cut after <paramref name="seconds"/>.</summary>
    public long PartialTelemetry(double seconds) =>
        Hang || DurationSeconds <= 0 ? 0 : (long)Math.Floor(Telemetry * Math.Min(1.0, seconds / DurationSeconds));

    /// <summary>What a look at the attempt <paramref name="seconds"/> after its start sees: telemetry rows so far (accrued linearly) and output so far.</summary>
    public ProgressMarks MarksAt(double seconds)
    {
        var running = Hang ? seconds : Math.Min(seconds, DurationSeconds);
        return new ProgressMarks(PartialTelemetry(seconds), (long)Math.Floor(OutputBytesPerSecond * Math.Max(0, running)));
    }
}
