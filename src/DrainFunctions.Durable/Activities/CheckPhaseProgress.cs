using Azure;
using DrainFunctions.Core.Agents;
using DrainFunctions.Core.Phases;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Activities;

/// <summary>
/// The look at a running attempt shortly before its deadline (<c>--extend-on-progress</c>):
/// counts its run's telemetry rows and the output its executor stored, lets Core decide
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

        var elapsed = (clock.GetUtcNow() - input.StartedAt).TotalSeconds;
        var extension = ProgressExtensions.Decide(input.BaseTimeoutSeconds, input.LongestSeconds, input.TimeoutSeconds, elapsed, input.Last, marks);
        if (extension is null)
        {
            return new CheckPhaseProgressOutput { Marks = marks };
        }

        try
        {
            // Only an attempt still running takes the new deadline; one that ended keeps its own.
            var moved = false;
            var deadline = input.StartedAt + TimeSpan.FromSeconds(extension.TimeoutSeconds);
            await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current =>
            {
                moved = current is not null && current.Stage != AttemptStages.Ended && current.Settlement is null
                    && (current.Assignment is null || current.Assignment.State == AgentWorkStates.Claimed)
                    && current.Deadline < deadline;
                return moved ? current! with { Deadline = deadline, TimeoutSeconds = extension.TimeoutSeconds } : current ?? throw new InvalidOperationException($"the marker of attempt {input.AttemptId} is gone");
            });
            span?.SetTag(DrainTelemetry.Attributes.Extended, moved);
            return new CheckPhaseProgressOutput { Marks = marks, Extension = moved ? extension : null };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ProgressCheckFailed(logger, input.AttemptId, Outage.Describe(ex));
            return new CheckPhaseProgressOutput { Marks = marks, Problem = Outage.Describe(ex) };
        }
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
