using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Results;

/// <summary>What the executor and the database said about one drained phase.</summary>
public sealed record PhaseOutcome
{
    public required string FinalState { get; init; }

    public string? LastFailureReason { get; init; }

    public int? ReturnCode { get; init; }

    public string Stdout { get; init; } = string.Empty;

    public string Stderr { get; init; } = string.Empty;

    public string StdoutPath { get; init; } = string.Empty;

    public string StderrPath { get; init; } = string.Empty;

    public double DurationSeconds { get; init; }

    /// <summary>Telemetry rows added while the phase ran; null when unknown (a table is missing).</summary>
    public long? TelemetryDelta { get; init; }
}

/// <summary>Turns what happened into the fields of a result, as the Python tool did.</summary>
public static class ResultClassifier
{
    public const int ExcerptLength = 500;
    public const int StderrInMessageLength = 300;
    public const string TokenEscalationMarker = "TOKEN_ESCALATION";
    public const string TokenEscalationNote = " [RETRYABLE: token budget escalation needed]";

    private static readonly string[] LlmBoundaryMarkers =
    [
        "max_turns", "message limit", "context_length_exceeded", "maximum context", "token limit exceeded",
        "max tokens", "context window exceeded", "conversation too long", "exceeded maximum",
    ];

    private static readonly string[] FailedBeforeLlmMarkers =
    [
        "validation error", "schema error", "missing required field", "invalid phase", "phase not found",
        "run not found", "database error", "connection error", "permission denied",
    ];

    /// <summary>The markers of <see cref="ReachedLlmBoundary"/> (ASCII, lower case), for scanners of streamed output.</summary>
    public static IReadOnlyList<string> LlmBoundaryMarkerList => LlmBoundaryMarkers;

    /// <summary>The markers of <c>failed_before_llm</c> (ASCII, lower case), for scanners of streamed output.</summary>
    public static IReadOnlyList<string> FailedBeforeLlmMarkerList => FailedBeforeLlmMarkers;

    public static bool IsSuccess(string finalState) => finalState == PhaseStates.Complete;

    /// <summary>The error message of an unsuccessful result: the first rule that applies.</summary>
    public static string? ErrorMessage(PhaseOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (IsSuccess(outcome.FinalState))
        {
            return null;
        }

        string message;
        if (!string.IsNullOrEmpty(outcome.LastFailureReason))
        {
            message = outcome.LastFailureReason;
        }
        else if (outcome.ReturnCode is { } rc && rc != 0)
        {
            message = $"subprocess exit {rc} (stderr: {outcome.StderrPath})";
            if (outcome.Stderr.Length > 0)
            {
                message += " | " + PythonText.TakeCodePoints(outcome.Stderr, StderrInMessageLength);
            }
        }
        else if (outcome.Stderr.Trim().Length > 0)
        {
            message = $"exit 0 but stderr present (see {outcome.StderrPath}): " + PythonText.TakeCodePoints(outcome.Stderr, ExcerptLength);
        }
        else if (outcome.Stdout.Trim().Length > 0)
        {
            message = $"exit 0 but not COMPLETE (see {outcome.StdoutPath}): " + PythonText.TakeCodePoints(outcome.Stdout, ExcerptLength);
        }
        else
        {
            message = $"exit 0 but not COMPLETE (empty output, see {outcome.StdoutPath}, {outcome.StderrPath})";
        }

        if (outcome.LastFailureReason?.Contains(TokenEscalationMarker, StringComparison.Ordinal) == true)
        {
            message += TokenEscalationNote;
        }

        return message;
    }

    public static bool ReachedLlmBoundary(string stdout, string stderr)
    {
        var output = PythonText.Lower(stdout + stderr);
        return LlmBoundaryMarkers.Any(marker => output.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>Why a phase yielded no telemetry; null when it did.</summary>
    public static string? ZeroYieldReason(bool success, int? returnCode, long? telemetryDelta, string stdout, string stderr)
    {
        if (telemetryDelta > 0)
        {
            return null;
        }

        if (success)
        {
            return "success_no_llm_calls";
        }

        if (FailureFingerprint.IsTimeoutReturnCode(returnCode))
        {
            return "timeout";
        }

        if (ReachedLlmBoundary(stdout, stderr))
        {
            return "llm_boundary_hit";
        }

        var output = PythonText.Lower(stdout + stderr);
        if (FailedBeforeLlmMarkers.Any(marker => output.Contains(marker, StringComparison.Ordinal)))
        {
            return "failed_before_llm";
        }

        return returnCode is { } rc && rc != 0 ? "execution_error" : "unknown";
    }

    /// <summary><c>round(delta / duration * 60, 2)</c> when both are positive, else null.</summary>
    public static double? YieldPerMinute(long? telemetryDelta, double durationSeconds) =>
        telemetryDelta is > 0 && durationSeconds > 0
            ? PyFloat.Round(telemetryDelta.Value / durationSeconds * 60, 2)
            : null;

    /// <summary>The first <see cref="ExcerptLength"/> code points kept in a result.</summary>
    public static string Excerpt(string output) => PythonText.TakeCodePoints(output, ExcerptLength);
}
