using Azure;
using DrainFunctions.Core.Agents;
using DrainFunctions.Core.Phases;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Activities;

/// <summary>
/// The look at a running attempt shortly before its deadline (<c>--extend-on-progress</c>):
/// counts its run's telemetry rows and the output its executor stored (only that, when the window
/// before the look opens: <see cref="CheckPhaseProgressInput.MarksOnly"/>), lets Core decide
/// (<see cref="ProgressExtensions.Decide"/>), and on an extension writes the new deadline to the
/// attempt's marker, where the executor (the activity running it, an adopter, or an agent through
/// its heartbeat) reads it when its own deadline comes. Never throws: what cannot be measured is
/// no progress, and the deadline stays. Run again after a host crash it decides the same way,
/// since the marks only grow and the baseline is the orchestrator's.
/// </summary>
public sealed class CheckPhaseProgress(IBacklogStoreFactory stores, BlobSessionStore blobs, TimeProvider clock, ILogger<CheckPhaseProgress> logger) : TaskActivity<CheckPhaseProgressInput, CheckPhaseProgressOutput>
{
    public override async Task<CheckPhaseProgressOutput> RunAsync(TaskActivityContext context, CheckPhaseProgressInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var span = DrainSpans.StartStep(DrainTelemetry.Spans.CheckProgress, input.SessionId, input.AttemptId);
        ProgressMarks marks;
        try
        {
            marks = await MeasureAsync(input);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ProgressCheckFailed(logger, input.AttemptId, Outage.Describe(ex));
            return new CheckPhaseProgressOutput { Marks = input.Last, Problem = Outage.Describe(ex) };
        }

        if (input.MarksOnly)
        {
            return new CheckPhaseProgressOutput { Marks = marks };
        }

        var elapsed = (clock.GetUtcNow() - input.StartedAt).TotalSeconds;
        var extension = ProgressExtensions.Decide(input.BaseTimeoutSeconds, input.LongestSeconds, input.TimeoutSeconds, elapsed, input.Last, marks);

        try
        {
            var granted = await DecideInMarkerAsync(input, extension);
            span?.SetTag(DrainTelemetry.Attributes.Extended, granted);
            return new CheckPhaseProgressOutput { Marks = marks, Extension = granted ? extension : null };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ProgressCheckFailed(logger, input.AttemptId, Outage.Describe(ex));
            return new CheckPhaseProgressOutput { Marks = marks, Problem = Outage.Describe(ex) };
        }
    }

    /// <summary>
    /// Writes the decision about the deadline looked at to the marker, through its ETag, so that the
    /// executor reaching that deadline and this look agree: an extension only while the deadline is
    /// undecided (the executor did not give up on it) and the attempt still runs. A look run again
    /// after a crash finds its own earlier decision and returns it.
    /// </summary>
    private async Task<bool> DecideInMarkerAsync(CheckPhaseProgressInput input, PhaseExtension? extension)
    {
        var looked = input.StartedAt + TimeSpan.FromSeconds(input.TimeoutSeconds);
        var extended = extension is null ? (DateTimeOffset?)null : input.StartedAt + TimeSpan.FromSeconds(extension.TimeoutSeconds);
        var granted = false;
        await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current =>
        {
            if (current is null)
            {
                throw new InvalidOperationException($"the marker of attempt {input.AttemptId} is gone");
            }

            var running = current.Stage != AttemptStages.Ended && current.Settlement is null
                && (current.Assignment is null || current.Assignment.State == AgentWorkStates.Claimed);
            var verdict = current.VerdictAt(looked);
            granted = extended is { } at && (verdict.Kind == DeadlineVerdictKind.Moved ? current.Deadline >= at : running && verdict.Kind == DeadlineVerdictKind.Undecided);
            if (!running || verdict.Kind != DeadlineVerdictKind.Undecided)
            {
                return current;
            }

            // The maximum is final: kept at once, so that the executor need not wait for a look that never comes.
            return extended is { } deadline
                ? current with { Deadline = deadline, TimeoutSeconds = extension!.TimeoutSeconds, KeptDeadline = extension.TimeoutSeconds >= input.LongestSeconds ? deadline : current.KeptDeadline }
                : current with { KeptDeadline = looked };
        });
        return granted;
    }

    private async Task<ProgressMarks> MeasureAsync(CheckPhaseProgressInput input)
    {
        long bytes = 0;
        foreach (var stream in new[] { "stdout", "stderr" })
        {
            try
            {
                var blob = blobs.LogBlob(BlobSessionStore.LogBlobName(input.SessionId, input.RunId, input.PhaseId, stream));
                bytes += (await blob.GetPropertiesAsync()).Value.ContentLength;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // nothing written yet
            }
        }

        await using var store = await stores.OpenAsync();
        return new ProgressMarks(await store.CountTelemetryAsync(input.RunId), bytes);
    }
}
