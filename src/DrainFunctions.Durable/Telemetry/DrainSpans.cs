using System.Diagnostics;
using System.Globalization;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using A = DrainFunctions.Durable.Telemetry.DrainTelemetry.Attributes;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// Span and metric emission for the activities (never the orchestrator: it replays). Every method is
/// a no-op costing one flag check when nothing listens to <see cref="DrainTelemetry.Name"/>.
/// </summary>
public static class DrainSpans
{
    /// <summary>
    /// A span around one activity's work, parented to its phase (or the session when there is no
    /// attempt) and linked to the engine's own span for the activity, when there is one.
    /// </summary>
    /// <param name="outcome">The phase's outcome when the step knows it at its start (one of <see cref="DrainTelemetry.Outcomes"/>): a sampler sees it.</param>
    public static Activity? StartStep(string name, string sessionId, string? attemptId, string? outcome = null)
    {
        if (!DrainTelemetry.Source.HasListeners() || string.IsNullOrEmpty(sessionId))
        {
            return null;
        }

        var parent = attemptId is null ? TraceIds.Session(sessionId) : TraceIds.Phase(sessionId, attemptId);
        var engine = Activity.Current;
        var links = engine is null ? null : new[] { new ActivityLink(engine.Context) };
        var tags = outcome is null ? null : new[] { new KeyValuePair<string, object?>(A.Outcome, outcome) };
        var activity = DrainTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent, tags, links);
        activity?.SetTag(A.SessionId, sessionId);
        if (attemptId is not null)
        {
            activity?.SetTag(A.AttemptId, attemptId);
        }

        return activity;
    }

    /// <summary>
    /// Tags a step with its phase's outcome once the phase is settled (success only when the phase
    /// completed and the drain restored nothing), so that a sampler can tell a failed phase's steps.
    /// </summary>
    public static void MarkSettled(Activity? span, SettlePhaseOutcomeOutput? settled)
    {
        if (span is null || settled is null)
        {
            return;
        }

        var success = settled.Found && !settled.Restored && ResultClassifier.IsSuccess(settled.State);
        span.SetTag(A.Outcome, success ? DrainTelemetry.Outcomes.Success : DrainTelemetry.Outcomes.Failed);
    }

    /// <summary>The attempt whose phase span a result is: its attempt id, or its place in the session when it has none.</summary>
    public static string AttemptOf(string sessionId, DrainResult result, int resultIndex)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.AttemptId ?? string.Create(CultureInfo.InvariantCulture, $"{sessionId}#{resultIndex}");
    }

    /// <summary>The outcome tag of a result: one of <see cref="DrainTelemetry.Outcomes"/>.</summary>
    public static string Outcome(DrainResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Success ? DrainTelemetry.Outcomes.Success
            : result.InterruptedBy is not null ? DrainTelemetry.Outcomes.Interrupted
            : result.IsTimeout ? DrainTelemetry.Outcomes.Timeout
            : DrainTelemetry.Outcomes.Failed;
    }

    /// <summary>
    /// The phase span and the per-result metrics, once the result is saved. The span ends at the
    /// result's timestamp and starts the executor's duration before; its span id is the one its
    /// steps already used as their parent.
    /// </summary>
    public static void RecordResult(string sessionId, DrainResult result, int resultIndex, PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(state);
        var outcome = Outcome(result);
        var duration = result.SubprocessDurationSeconds ?? 0;
        RecordMetrics(result, outcome, duration, state);
        if (!DrainTelemetry.Source.HasListeners())
        {
            return;
        }

        var end = ParseOrNow(result.Timestamp);
        var attemptId = AttemptOf(sessionId, result, resultIndex);
        var activity = DrainTelemetry.Source.StartActivity(DrainTelemetry.Spans.Phase, ActivityKind.Internal, TraceIds.Session(sessionId), startTime: end - TimeSpan.FromSeconds(duration));
        if (activity is null)
        {
            return;
        }

        TraceIds.Assign(activity, TraceIds.PhaseSpan(attemptId), root: false);
        activity.SetTag(A.SessionId, sessionId);
        activity.SetTag(A.RunId, result.RunId);
        activity.SetTag(A.PhaseId, result.PhaseId);
        activity.SetTag(A.AttemptId, attemptId);
        activity.SetTag(A.Outcome, outcome);
        activity.SetTag(A.FinalState, result.FinalState);
        activity.SetTag(A.TimedOut, result.IsTimeout);
        activity.SetTag(A.TelemetryEvents, result.TelemetryEventsCollected);
        if (result.FailureFingerprint is { } fingerprint)
        {
            activity.SetTag(A.Fingerprint, fingerprint);
        }

        if (result.InterruptedBy is { } interruptedBy)
        {
            activity.SetTag(A.InterruptedBy, interruptedBy);
        }

        if (result.Slot is { } slot)
        {
            activity.SetTag(A.Slot, slot);
        }

        // The fingerprint is normalized; the raw error message (paths, secrets) never leaves the session.
        activity.SetStatus(result.Success ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result.Success ? null : outcome);
        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
    }

    /// <summary>
    /// What a save that succeeded records: the controller's overhead of the phase it ends
    /// (<see cref="PhaseCycles"/>) and, for a result, <see cref="RecordResult"/>; for the header,
    /// the start of the session's first cycle.
    /// </summary>
    public static void RecordSaved(string sessionId, DrainResult? result, int resultIndex, PolicyState state)
    {
        if (DrainTelemetry.ControllerOverhead.Enabled)
        {
            var now = DateTimeOffset.UtcNow;
            if (result is null)
            {
                PhaseCycles.Started(sessionId, now);
            }
            else if (PhaseCycles.Overhead(sessionId, result, resultIndex, now) is { } overhead)
            {
                DrainTelemetry.ControllerOverhead.Record(overhead, new KeyValuePair<string, object?>(A.Outcome, Outcome(result)));
            }
        }

        if (result is not null)
        {
            RecordResult(sessionId, result, resultIndex, state);
        }
    }

    /// <summary>The session span, from the session's start to its completion, with its totals.</summary>
    public static void RecordSession(DrainSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        PhaseCycles.Forget(session.SessionId);
        if (!DrainTelemetry.Source.HasListeners())
        {
            return;
        }

        var end = ParseOrNow(session.CompletedAt);
        var activity = DrainTelemetry.Source.StartActivity(DrainTelemetry.Spans.Session, ActivityKind.Internal, TraceIds.Session(session.SessionId), startTime: ParseOrNow(session.StartedAt));
        if (activity is null)
        {
            return;
        }

        TraceIds.Assign(activity, TraceIds.SessionSpan(session.SessionId), root: true);
        var state = session.State;
        activity.SetTag(A.SessionId, session.SessionId);
        activity.SetTag(A.Processed, state.TotalProcessed);
        activity.SetTag(A.Succeeded, state.TotalSuccess);
        activity.SetTag(A.Failed, state.TotalFailed);
        activity.SetTag(A.TelemetryEvents, state.TotalTelemetryEvents);
        activity.SetTag(A.StoppedRuns, string.Join(',', state.StoppedRuns));
        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
    }

    private static void RecordMetrics(DrainResult result, string outcome, double duration, PolicyState state)
    {
        var outcomeTag = new KeyValuePair<string, object?>(A.Outcome, outcome);
        DrainTelemetry.PhasesDrained.Add(1, outcomeTag);
        if (result.SubprocessDurationSeconds is { } seconds)
        {
            DrainTelemetry.ExecutorSeconds.Record(seconds, outcomeTag);
        }

        if (result.TelemetryEventsCollected is { } events)
        {
            DrainTelemetry.TelemetryEvents.Add(events);
        }

        if (result.TelemetryYieldPerMinute is { } yield)
        {
            DrainTelemetry.TelemetryYield.Record(yield);
        }

        // Repeats as the bookkeeping counted them, this result included.
        var repeated = !result.Success && result.FailureFingerprint is { } fp && state.FingerprintCounts.TryGetValue(fp, out var count) && count > 1;
        if (duration > 0 && (result.IsTimeout || repeated))
        {
            DrainTelemetry.WastedExecutorSeconds.Add(duration, new KeyValuePair<string, object?>(A.Reason, result.IsTimeout ? DrainTelemetry.Outcomes.Timeout : "repeated_failure"));
        }
    }

    private static DateTimeOffset ParseOrNow(string? timestamp) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : DateTimeOffset.UtcNow;
}
