using System.Globalization;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Activities;

/// <summary>Picks the next phase: the store streams candidates in policy order, the core selector decides.</summary>
/// <remarks>With <c>LedgerEnabled</c> the ledger of earlier sessions is consulted too (skip lines end in <c>(ledger)</c>).</remarks>
public sealed class SelectNextPhase(IBacklogStoreFactory stores, BlobLedgerStore ledger) : TaskActivity<SelectNextPhaseInput, SelectNextPhaseOutput>
{
    public override async Task<SelectNextPhaseOutput> RunAsync(TaskActivityContext context, SelectNextPhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = input.Options;
        var view = o.LedgerEnabled ? await ledger.ViewAsync(input.SessionId, o.LedgerWindowHours, o.MaxFingerprintRepeats) : null;
        var state = input.ExpandedState();
        await using var store = await stores.OpenAsync();
        var outcome = await BacklogSelection.SelectNextAsync(store, state, o, view);

        return new SelectNextPhaseOutput { Selected = outcome.Selected, Lines = [.. outcome.Lines], NoPick = outcome.NoPick };
    }
}

public sealed record TelemetrySnapshotOutput(long? Count);

/// <summary>Counts telemetry rows (null when a telemetry table is missing: unknown, not zero).</summary>
public sealed class CaptureTelemetrySnapshot(IBacklogStoreFactory stores) : TaskActivity<TelemetrySnapshotInput, TelemetrySnapshotOutput>
{
    public override async Task<TelemetrySnapshotOutput> RunAsync(TaskActivityContext context, TelemetrySnapshotInput input)
    {
        await using var store = await stores.OpenAsync();
        return new TelemetrySnapshotOutput(await store.CountTelemetryAsync(input?.RunId));
    }
}

/// <summary>
/// Drains one phase: marks the attempt, re-queues the phase, runs the executor until it exits or
/// its deadline passes, and reads the settled state. Never retried blindly: a redelivered call
/// finds its attempt marker and reports the attempt lost instead of starting the executor again.
/// </summary>
public sealed class RunPhaseExecutor(
    IBacklogStoreFactory stores,
    BlobSessionStore blobs,
    IPhaseExecutor executor,
    AttemptRegistry attempts,
    IOptions<ExecutorOptions> options,
    ILogger<RunPhaseExecutor> logger) : TaskActivity<RunPhaseExecutorInput, RunPhaseExecutorOutput>
{
    public override async Task<RunPhaseExecutorOutput> RunAsync(TaskActivityContext context, RunPhaseExecutorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var phase = input.Phase;
        await using var store = await stores.OpenAsync();

        var description = string.Create(CultureInfo.InvariantCulture, $"{phase.Key} instance={context.InstanceId} deadline={input.Deadline:O}");
        if (!await blobs.TryMarkAttemptAsync(input.SessionId, input.AttemptId, description))
        {
            var restored = await store.RestoreToFailedAsync(phase.RunId, phase.PhaseId, RestoreReasons.Original(phase));
            Log.AttemptLost(logger, input.AttemptId, phase.RunId, phase.PhaseId, restored);
            return new RunPhaseExecutorOutput { Status = PhaseRunStatus.Lost };
        }

        var requeue = await store.TryRequeueAsync(phase.RunId, phase.PhaseId);
        if (requeue.Status != RequeueStatus.Requeued)
        {
            Log.RequeueRefused(logger, phase.RunId, phase.PhaseId, requeue.Status.ToString(), requeue.CurrentState);
            return new RunPhaseExecutorOutput
            {
                Status = requeue.Status == RequeueStatus.NotFound ? PhaseRunStatus.NotFound : PhaseRunStatus.RequeueConflict,
                CurrentState = requeue.CurrentState,
                InitialState = requeue.CurrentState ?? PhaseStates.NotFound,
            };
        }

        ExecutorRun run;
        using (var handle = attempts.Register(input.AttemptId))
        {
            using var pollStop = new CancellationTokenSource();
            var poll = PollStopMarkerAsync(input, handle.Source, pollStop.Token);
            try
            {
                run = await executor.RunAsync(
                    new ExecutorRequest(input.SessionId, phase.RunId, phase.PhaseId, phase.PhaseIndex, input.Deadline, input.ApiUrl),
                    handle.Token);
            }
            finally
            {
                await pollStop.CancelAsync();
                await poll;
            }
        }

        var common = new RunPhaseExecutorOutput
        {
            InitialState = PhaseStates.Failed,
            ReturnCode = run.ReturnCode,
            DurationSeconds = run.DurationSeconds,
            StdoutExcerpt = run.StdoutExcerpt,
            StderrExcerpt = run.StderrExcerpt,
            ReachedLlmBoundary = run.ReachedLlmBoundary,
            FailedBeforeLlm = run.FailedBeforeLlm,
            StdoutPath = run.StdoutPath,
            StderrPath = run.StderrPath,
            ProcessId = run.ProcessId,
        };

        if (run.TimedOut)
        {
            // The orchestrator's timer is the authority and restores too; doing it here at once
            // keeps the run unblocked even if the orchestrator is slow to wake up.
            await store.RestoreToFailedAsync(phase.RunId, phase.PhaseId, RestoreReasons.Timeout(input.TimeoutSeconds));
            return common with { Status = PhaseRunStatus.TimedOut, FinalState = PhaseStates.Timeout };
        }

        if (run.Stopped)
        {
            return common with { Status = PhaseRunStatus.Stopped, FinalState = PhaseStates.Interrupted };
        }

        var o = options.Value;
        var settled = run.ReturnCode == 0
            ? await store.WaitForSettledAsync(phase.RunId, phase.PhaseId, o.SettleTimeout, o.SettlePoll)
            : await store.GetPhaseAsync(phase.RunId, phase.PhaseId);
        if (settled is not null && settled.State is PhaseStates.Queued or PhaseStates.Executing)
        {
            // The executor ended without settling the phase; leaving it QUEUED would block its run.
            await store.RestoreToFailedAsync(phase.RunId, phase.PhaseId, RestoreReasons.Original(phase));
        }

        return common with
        {
            Status = PhaseRunStatus.Completed,
            FinalState = settled?.State ?? PhaseStates.NotFound,
            LastFailureReason = settled?.LastFailureReason,
        };
    }

    private async Task PollStopMarkerAsync(RunPhaseExecutorInput input, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        var interval = options.Value.StopPollInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, cancellationToken);
                try
                {
                    if (await blobs.IsStopRequestedAsync(input.SessionId, input.AttemptId, cancellationToken))
                    {
                        await stop.CancelAsync();
                        return;
                    }
                }
                catch (Azure.RequestFailedException ex)
                {
                    Log.StopPollFailed(logger, input.AttemptId, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the attempt ended
        }
    }
}

/// <summary>The failure reasons written when the drain puts a phase back to FAILED.</summary>
public static class RestoreReasons
{
    public static string Timeout(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Phase execution timed out after {seconds} seconds (batch drain)");

    /// <summary>Interrupted attempts keep the phase's own reason, so that its category does not change.</summary>
    public static string Original(PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.LastFailureReason ?? string.Empty;
    }
}

/// <summary>
/// Stops a running attempt (stop marker blob, and at once when it runs in this process) and puts
/// the phase back to FAILED. Safe to repeat: a phase no longer QUEUED/EXECUTING is left alone.
/// </summary>
public sealed class RestorePhase(IBacklogStoreFactory stores, BlobSessionStore blobs, AttemptRegistry attempts, ILogger<RestorePhase> logger)
    : TaskActivity<RestorePhaseInput, RestorePhaseOutput>
{
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    public override async Task<RestorePhaseOutput> RunAsync(TaskActivityContext context, RestorePhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var stopped = false;
        if (input.AttemptId is { } attemptId)
        {
            await blobs.RequestStopAsync(input.SessionId, attemptId);
            stopped = await attempts.StopAsync(attemptId, StopWait);
        }

        await using var store = await stores.OpenAsync();
        var restored = await store.RestoreToFailedAsync(input.RunId, input.PhaseId, input.Reason);
        Log.PhaseRestored(logger, input.RunId, input.PhaseId, restored, stopped);
        return new RestorePhaseOutput(restored, stopped);
    }
}

/// <summary>
/// Rewrites the session header and appends one result (or only the header, at the start). Bytes
/// written per phase do not grow with the session: see <see cref="BlobSessionStore.SaveAsync"/>.
/// </summary>
public sealed class SaveSessionSnapshot(BlobSessionStore blobs) : TaskActivity<SaveSessionSnapshotInput, SaveSessionSnapshotOutput>
{
    public override async Task<SaveSessionSnapshotOutput> RunAsync(TaskActivityContext context, SaveSessionSnapshotInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var header = new DrainSession
        {
            SessionId = input.SessionId,
            StartedAt = input.StartedAt,
            BatchSize = input.BatchSize,
            State = input.State,
        };
        var metrics = await blobs.SaveAsync(header, input.Result, input.ResultIndex);
        return new SaveSessionSnapshotOutput(BlobSessionStore.SessionBlobName(input.SessionId), metrics.BytesStaged, metrics.BlockListBytes);
    }
}

/// <summary>
/// Ends a session: <c>completed_at</c> in the header and <c>&lt;session-id&gt;.summary.txt</c>. A
/// separate activity (not a flag on <see cref="SaveSessionSnapshot"/>) because it is the only step
/// that reads every result back (the summary needs them) and it runs once per session.
/// </summary>
public sealed class FinishSession(BlobSessionStore blobs, IOptions<SnapshotOptions> options) : TaskActivity<FinishSessionInput, FinishSessionOutput>
{
    public override async Task<FinishSessionOutput> RunAsync(TaskActivityContext context, FinishSessionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var savedTo = $"{options.Value.ContainerName}/{BlobSessionStore.SessionBlobName(input.SessionId)}";
        await blobs.CompleteAsync(input.SessionId, input.CompletedAt, session => SummaryReport.Render(session, savedTo));
        return new FinishSessionOutput(BlobSessionStore.SessionBlobName(input.SessionId), BlobSessionStore.SummaryBlobName(input.SessionId));
    }
}
