using System.Globalization;
using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Phases;

/// <summary>
/// How the end of an attempt becomes its <see cref="DrainResult"/>: shared by the durable drain
/// and the simulator, so that both say the same thing about the same attempt.
/// </summary>
public static class PhaseResults
{
    /// <summary>
    /// The result of an attempt whose executor never touched the phase (not in the database, or
    /// not FAILED any more), or null when the attempt must be settled first.
    /// </summary>
    public static DrainResult? NotRun(PhaseCandidate phase, ExecutorReport? report, DateTimeOffset timestamp) => report?.End switch
    {
        ExecutorRunEnd.NotFound => DrainResults.NotFound(phase, timestamp),
        ExecutorRunEnd.RequeueConflict => DrainResults.Interrupted(phase, report.CurrentState ?? string.Empty, PhaseInterruptions.RequeueConflict,
            $"Phase was {report.CurrentState} (not FAILED) when the drain tried to re-queue it; not run", null, timestamp),
        _ => null,
    };

    /// <summary>The message of an attempt the total time budget cut after its executor started.</summary>
    public static string BudgetStoppedMessage(double? maxTotalMinutes) =>
        string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {maxTotalMinutes:0.##} minutes reached; phase stopped and restored to FAILED");

    /// <summary>
    /// The result from what happened and what the database says. When the drain restored the
    /// phase (it was left QUEUED/EXECUTING), the attempt is what the drain saw (timeout,
    /// interruption, lost); otherwise the phase settled itself and its state is the outcome.
    /// </summary>
    public static DrainResult Decide(PhaseAttemptFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var (phase, race, settled, now) = (facts.Phase, facts.Race, facts.Settlement, facts.Timestamp);
        var report = race.Report;
        if (!settled.Found)
        {
            return DrainResults.NotFound(phase, now);
        }

        if (report is { End: ExecutorRunEnd.Exited })
        {
            // The executor exited by itself: its return code and the settled state, as the Python tool did.
            return Exited(phase, report, settled, facts.TelemetryDelta, now);
        }

        // Nothing ran: whatever the phase's state, it says nothing about this attempt.
        if (report?.NeverStarted ?? !settled.ExecutorMayHaveStarted)
        {
            var tail = settled.Restored ? "; phase restored to FAILED" : $"; the phase was left {settled.State}";
            return DrainResults.Interrupted(phase, PhaseStates.Failed, race.InterruptedBy ?? PhaseInterruptions.Lost, NeverStartedMessage(facts) + tail, facts.ElapsedSeconds, now);
        }

        if (!settled.Restored)
        {
            return FromPhaseState(facts);
        }

        if (race.InterruptedBy is { } by)
        {
            var message = by == PhaseInterruptions.Budget
                ? BudgetStoppedMessage(facts.MaxTotalMinutes)
                : "Interrupted: cancel requested (now); phase stopped and restored to FAILED";
            return DrainResults.Interrupted(phase, PhaseStates.Failed, by, message, facts.ElapsedSeconds, now);
        }

        if (race.Winner == PhaseRaceWinner.AgentLost)
        {
            // Never retried by the drain: the agent may have died mid-write; the phase waits for the next session.
            return DrainResults.Interrupted(phase, PhaseStates.Failed, PhaseInterruptions.Lost, $"Attempt {facts.AttemptId}: {race.Failure}; phase restored to FAILED", facts.ElapsedSeconds, now);
        }

        if (race.TimedOut)
        {
            return DrainResults.TimedOut(phase, PhaseStates.Failed, facts.PhaseTimeoutSeconds, SeenOutcome(facts, PhaseStates.Timeout, null), now);
        }

        if (report is { End: ExecutorRunEnd.Stopped })
        {
            return DrainResults.Interrupted(phase, PhaseStates.Failed, PhaseInterruptions.Cancel, "Interrupted: executor stopped from outside; phase restored to FAILED", report.DurationSeconds, now);
        }

        if (report is { Adopted: true })
        {
            return DrainResults.Interrupted(phase, PhaseStates.Failed, PhaseInterruptions.Lost, LostMessage(facts.AttemptId, report, settled.State), null, now);
        }

        return DrainResults.Interrupted(phase, PhaseStates.Failed, PhaseInterruptions.Lost, $"Executor activity failed: {race.Failure}; phase restored to FAILED", facts.ElapsedSeconds, now);
    }

    private static string NeverStartedMessage(PhaseAttemptFacts facts)
    {
        var race = facts.Race;
        return race.Winner switch
        {
            PhaseRaceWinner.BudgetDeadline => string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {facts.MaxTotalMinutes:0.##} minutes reached before the executor started"),
            PhaseRaceWinner.CancelNow => "Interrupted: cancel requested (now) before the executor started",
            PhaseRaceWinner.AgentLost => $"Attempt {facts.AttemptId}: {race.Failure} before the executor started",
            _ when race.Failure is { } failure => $"Executor activity failed before the executor started: {failure}",
            PhaseRaceWinner.PhaseTimer => $"Attempt {facts.AttemptId}: the executor did not start before the phase's deadline",
            _ => $"Attempt {facts.AttemptId} was interrupted before its executor started (the drain's host stopped)",
        };
    }

    /// <summary>What a lost attempt was, in the words of what happened; said only when the drain restored the phase.</summary>
    private static string LostMessage(string attemptId, ExecutorReport report, string seenState) => report switch
    {
        { ElsewhereOn: { } machine } =>
            $"Attempt {attemptId} ran on {machine}, whose drain host stopped; its processes could not be followed from here and the phase was still {seenState} at its deadline; phase restored to FAILED",
        { AdoptedProcesses: > 0 } =>
            $"Attempt {attemptId} was interrupted: the drain's host stopped while the executor ran; the executor, adopted after the restart, ended without settling the phase (still {seenState}, return code unknown); phase restored to FAILED",
        _ =>
            $"Attempt {attemptId} was interrupted: the drain's host stopped while the executor ran and no process of the attempt was left after the restart; the phase was still {seenState}; phase restored to FAILED",
    };

    private static DrainResult Exited(PhaseCandidate phase, ExecutorReport report, PhaseSettlement settled, long? delta, DateTimeOffset now)
    {
        var outcome = new PhaseOutcome
        {
            FinalState = settled.State,
            LastFailureReason = settled.LastFailureReason,
            ReturnCode = report.ReturnCode,
            Stdout = report.StdoutExcerpt,
            Stderr = report.StderrExcerpt,
            StdoutPath = report.StdoutPath,
            StderrPath = report.StderrPath,
            DurationSeconds = report.DurationSeconds,
            TelemetryDelta = delta,
        };
        var result = DrainResults.Completed(phase, report.InitialState, outcome, now);

        // The excerpts are cut at 500 characters; the markers were looked for in the full output.
        var markers = report.ReachedLlmBoundary ? "max_turns" : report.FailedBeforeLlm ? "validation error" : string.Empty;
        result.ReachedLlmBoundary = report.ReachedLlmBoundary;
        result.ZeroYieldReason = ResultClassifier.ZeroYieldReason(result.Success, report.ReturnCode, delta, markers, string.Empty);
        return result;
    }

    /// <summary>
    /// The phase settled itself (COMPLETE, FAILED, ...) while the drain could not see the
    /// executor end (adopted after a restart, stopped, timed out just after it finished): its
    /// state is the outcome; the return code is unknown.
    /// </summary>
    private static DrainResult FromPhaseState(PhaseAttemptFacts facts)
    {
        var settled = facts.Settlement;
        var result = DrainResults.Completed(facts.Phase, PhaseStates.Failed, SeenOutcome(facts, settled.State, settled.LastFailureReason), facts.Timestamp);
        if (!result.Success && string.IsNullOrEmpty(settled.LastFailureReason))
        {
            // The return-code rules ("exit 0 but ...") would claim an exit nobody saw.
            result.ErrorMessage = $"Phase ended {settled.State} without a failure reason (executor return code unknown)";
            result.FailureFingerprint = FailureFingerprint.Compute(result.FinalState, null, result.ErrorMessage);
        }

        if (facts.Race.Report is { } report)
        {
            result.ReachedLlmBoundary = report.ReachedLlmBoundary;
        }

        return result;
    }

    /// <summary>What the drain saw of an attempt whose exit it did not see: whatever was reported, else the defaults.</summary>
    private static PhaseOutcome SeenOutcome(PhaseAttemptFacts facts, string finalState, string? lastFailureReason)
    {
        var report = facts.Race.Report;
        return new PhaseOutcome
        {
            FinalState = finalState,
            LastFailureReason = lastFailureReason,
            ReturnCode = null,
            Stdout = report?.StdoutExcerpt ?? string.Empty,
            Stderr = report?.StderrExcerpt ?? string.Empty,
            StdoutPath = report?.StdoutPath is { Length: > 0 } so ? so : facts.DefaultStdoutPath,
            StderrPath = report?.StderrPath is { Length: > 0 } se ? se : facts.DefaultStderrPath,
            DurationSeconds = report?.DurationSeconds is > 0 and var d ? d : facts.ElapsedSeconds,
            TelemetryDelta = facts.TelemetryDelta,
        };
    }
}
