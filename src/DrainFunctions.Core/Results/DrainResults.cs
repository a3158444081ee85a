using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Results;

/// <summary>Builds the result of each way a phase can end.</summary>
public static class DrainResults
{
    public const string NotFoundMessage = "Phase not found in database";

    /// <summary>The phase ran to an end (success or failure) within its time.</summary>
    public static DrainResult Completed(PhaseCandidate phase, string initialState, PhaseOutcome outcome, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(outcome);
        var success = ResultClassifier.IsSuccess(outcome.FinalState);
        var result = Base(phase, initialState, timestamp);
        result.FinalState = outcome.FinalState;
        result.Success = success;
        result.ErrorMessage = ResultClassifier.ErrorMessage(outcome);
        result.SubprocessReturncode = outcome.ReturnCode;
        result.SubprocessDurationSeconds = outcome.DurationSeconds;
        result.SubprocessStdoutPath = outcome.StdoutPath;
        result.SubprocessStderrPath = outcome.StderrPath;
        result.SubprocessStdoutExcerpt = ResultClassifier.Excerpt(outcome.Stdout);
        result.SubprocessStderrExcerpt = ResultClassifier.Excerpt(outcome.Stderr);
        result.TelemetryEventsCollected = outcome.TelemetryDelta;
        result.TelemetryYieldPerMinute = ResultClassifier.YieldPerMinute(outcome.TelemetryDelta, outcome.DurationSeconds);
        result.ReachedLlmBoundary = ResultClassifier.ReachedLlmBoundary(outcome.Stdout, outcome.Stderr);
        result.ZeroYieldReason = ResultClassifier.ZeroYieldReason(success, outcome.ReturnCode, outcome.TelemetryDelta, outcome.Stdout, outcome.Stderr);
        result.FailureFingerprint = success ? null : FailureFingerprint.Compute(result.FinalState, result.SubprocessReturncode, result.ErrorMessage);
        return result;
    }

    /// <summary>
    /// The phase exceeded its own timeout. The Python tool's message hard-coded "30 minutes"; this
    /// one says the real limit, in words that normalize to one fingerprint whatever the limit.
    /// </summary>
    public static DrainResult TimedOut(PhaseCandidate phase, string initialState, int timeoutSeconds, PhaseOutcome partial, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var result = Completed(phase, initialState, partial with { FinalState = PhaseStates.Timeout, ReturnCode = -1, LastFailureReason = null }, timestamp);
        result.ErrorMessage = $"Phase execution timed out after {timeoutSeconds} seconds";
        result.FailureFingerprint = FailureFingerprint.Compute(result.FinalState, result.SubprocessReturncode, result.ErrorMessage);
        return result;
    }

    public static DrainResult NotFound(PhaseCandidate phase, DateTimeOffset timestamp)
    {
        var result = Base(phase, PhaseStates.NotFound, timestamp);
        result.FinalState = PhaseStates.NotFound;
        result.ErrorMessage = NotFoundMessage;
        result.ZeroYieldReason = "unknown";
        result.FailureFingerprint = FailureFingerprint.Compute(result.FinalState, null, result.ErrorMessage);
        return result;
    }

    /// <summary>
    /// The phase did not run to its end for a reason outside it (the budget, a cancel, a lost
    /// attempt, another drain took it first): recorded, but no fingerprint and no timeout.
    /// </summary>
    public static DrainResult Interrupted(PhaseCandidate phase, string initialState, string interruptedBy, string message, double? durationSeconds, DateTimeOffset timestamp)
    {
        var result = Base(phase, initialState, timestamp);
        result.FinalState = interruptedBy == "lost" ? PhaseStates.Lost : PhaseStates.Interrupted;
        result.ErrorMessage = message;
        result.InterruptedBy = interruptedBy;
        result.SubprocessDurationSeconds = durationSeconds;
        return result;
    }

    private static DrainResult Base(PhaseCandidate phase, string initialState, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return new DrainResult
        {
            RunId = phase.RunId,
            PhaseId = phase.PhaseId,
            PhaseIndex = phase.PhaseIndex,
            InitialState = initialState,
            Timestamp = Iso8601.Format(timestamp),
        };
    }
}
