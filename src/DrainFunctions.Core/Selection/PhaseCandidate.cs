namespace DrainFunctions.Core.Selection;

/// <summary>Phase states of Autopack's schema.</summary>
public static class PhaseStates
{
    public const string Queued = "QUEUED";
    public const string Executing = "EXECUTING";
    public const string Gate = "GATE";
    public const string CiRunning = "CI_RUNNING";
    public const string Complete = "COMPLETE";
    public const string Failed = "FAILED";
    public const string Skipped = "SKIPPED";

    // Result-only states written by the drain, never stored in the phases table.
    public const string Timeout = "TIMEOUT";
    public const string NotFound = "NOT_FOUND";
    public const string Interrupted = "INTERRUPTED";
    public const string Lost = "LOST";

    /// <summary>States in which a phase is being worked on; a run with one is "in flight".</summary>
    public static readonly IReadOnlyList<string> InFlight = [Queued, Executing, Gate, CiRunning];

    public static bool IsInFlight(string? state) => state is Queued or Executing or Gate or CiRunning;
}

/// <summary>A FAILED phase that the drain may pick.</summary>
/// <param name="RunId">The run the phase belongs to.</param>
/// <param name="PhaseId">Unique only within its run.</param>
/// <param name="PhaseIndex">Position in the run; earlier phases are drained first.</param>
/// <param name="LastFailureReason">Autopack's recorded reason, which decides the category.</param>
/// <param name="RunInFlightState">The state of a phase of the same run that is in flight, if any.</param>
public sealed record PhaseCandidate(
    string RunId,
    string PhaseId,
    int PhaseIndex,
    string? LastFailureReason,
    string? RunInFlightState = null)
{
    public string Key => PhaseKey.Of(RunId, PhaseId);

    public PhaseCategory Category => PhaseCategorizer.Categorize(LastFailureReason);
}

/// <summary>The <c>run_id:phase_id</c> key that identifies a phase everywhere.</summary>
public static class PhaseKey
{
    public static string Of(string runId, string phaseId) => $"{runId}:{phaseId}";
}
