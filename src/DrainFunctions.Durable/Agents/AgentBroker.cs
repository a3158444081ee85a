using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using DrainFunctions.Core.Agents;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Agents;

/// <summary>
/// The server's side of the agents: claims, heartbeats, log chunks and results, each decided on
/// the attempt marker with a conditional write, so that a phase is run by one agent, once, and a
/// word about an attempt already decided changes nothing. The drain hears of claims and results
/// through external events; when one is lost, its own periodic check (<see cref="CheckAgentWork"/>)
/// reads the same marker.
/// </summary>
public sealed class AgentBroker(
    BlobSessionStore blobs,
    IBacklogStoreFactory stores,
    AgentWorkLine queue,
    AgentDirectory directory,
    AgentWorkSignal signal,
    Activities.AttemptSettler settler,
    IOptions<ExecutorOptions> executorOptions,
    IOptions<AgentOptions> options,
    TimeProvider clock,
    ILogger<AgentBroker> logger)
{
    /// <summary>When this process started: silence while it was not running is nobody's fault (<see cref="AgentHeartbeats.IsLost"/>).</summary>
    public static readonly DateTimeOffset UpSince = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>Deliveries of a message whose attempt marker cannot be found before it is dropped.</summary>
    public const int MaxDeliveriesWithoutMarker = 5;

    /// <summary>Room left before the phase timer for the settle's own queries and the event.</summary>
    private static readonly TimeSpan InlineSettleMargin = TimeSpan.FromSeconds(2);

    public AgentOptions Options => options.Value;

    /// <summary>Up to <see cref="AgentClaim.Free"/> phases for the agent, waiting for work up to the claim's wait.</summary>
    public async Task<IReadOnlyList<AgentWorkItem>> ClaimAsync(DurableTaskClient client, AgentClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var o = options.Value;
        var wait = TimeSpan.FromSeconds(Math.Clamp(claim.WaitSeconds ?? o.ClaimWait.TotalSeconds, 0, o.ClaimWait.TotalSeconds));
        var until = clock.GetUtcNow() + wait;
        await directory.NoteAsync(claim.Agent, claim.Slots, claim.Machine, running: null, stopping: false, clock.GetUtcNow(), cancellationToken);
        var items = new List<AgentWorkItem>();
        while (true)
        {
            foreach (var (work, id, receipt, deliveries) in await queue.ReceiveAsync(claim.Free - items.Count, cancellationToken))
            {
                try
                {
                    var claimed = work is null ? ClaimOutcome.Done : await TryClaimAsync(client, claim.Agent, work, cancellationToken);
                    if (claimed.Item is { } item)
                    {
                        items.Add(item);
                    }

                    // A pointer to no marker (not written yet, or written where this server does not
                    // look) comes back later; only one that never resolves is dropped.
                    if (!claimed.NoMarker || deliveries >= MaxDeliveriesWithoutMarker)
                    {
                        await queue.DeleteAsync(id, receipt, cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is RequestFailedException or DependencyUnavailableException || Outage.IsStorageUnreachable(ex))
                {
                    // Left in the queue: it comes back when its visibility ends, and the marker tells what was done.
                    AgentLog.ClaimFailed(logger, Outage.Describe(ex));
                }
            }

            var left = until - clock.GetUtcNow();
            if (items.Count > 0 || left <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            {
                return items;
            }

            await signal.WaitAsync(left < o.ClaimPoll ? left : o.ClaimPoll, cancellationToken);
        }
    }

    private async Task<ClaimOutcome> TryClaimAsync(DurableTaskClient client, string agent, AgentWorkMessage work, CancellationToken cancellationToken)
    {
        var record = await blobs.ReadAttemptAsync(work.SessionId, work.AttemptId, cancellationToken);
        if (record is null)
        {
            return ClaimOutcome.Missing;
        }

        if (record.Assignment is not { State: AgentWorkStates.Queued })
        {
            return ClaimOutcome.Done; // claimed, withdrawn or reported already: the message was a duplicate
        }

        var now = clock.GetUtcNow();
        var deadline = now + TimeSpan.FromSeconds(record.TimeoutSeconds);
        var claimed = await blobs.UpdateAttemptAsync(work.SessionId, work.AttemptId, current =>
            current?.Assignment is { State: AgentWorkStates.Queued } queued
                ? current with
                {
                    Stage = AttemptStages.Starting,
                    Deadline = deadline,
                    Machine = agent,
                    Assignment = queued with { State = AgentWorkStates.Claimed, Agent = agent, ClaimedAt = now, HeartbeatAt = now },
                }
                : current!,
            cancellationToken);
        if (claimed.Assignment is not { } assignment || !assignment.IsClaimedBy(agent) || assignment.ClaimedAt != now)
        {
            return ClaimOutcome.Done; // another claim won the marker
        }

        // The guarded re-queue, as the executor activity does it: only a FAILED phase runs.
        RequeueOutcome requeue;
        await using (var store = await stores.OpenAsync(cancellationToken))
        {
            requeue = await store.TryRequeueAsync(record.RunId, record.PhaseId, cancellationToken);
        }

        if (requeue.Status != RequeueStatus.Requeued)
        {
            Log.RequeueRefused(logger, record.RunId, record.PhaseId, requeue.Status.ToString(), requeue.CurrentState);
            var refused = new RunPhaseExecutorOutput
            {
                Status = requeue.Status == RequeueStatus.NotFound ? PhaseRunStatus.NotFound : PhaseRunStatus.RequeueConflict,
                CurrentState = requeue.CurrentState,
                InitialState = requeue.CurrentState ?? PhaseStates.NotFound,
            };
            await blobs.UpdateAttemptAsync(work.SessionId, work.AttemptId, current => current! with
            {
                Stage = AttemptStages.Ended,
                Assignment = current.Assignment! with { State = AgentWorkStates.Reported, Result = refused },
            }, cancellationToken);
            await RaiseAsync(client, claimed, new AgentWorkEvent { Kind = AgentWorkEvent.Reported, Agent = agent, Result = refused });
            return ClaimOutcome.Done;
        }

        AgentLog.Claimed(logger, work.AttemptId, record.RunId, record.PhaseId, agent, deadline);
        await RaiseAsync(client, claimed, new AgentWorkEvent { Kind = AgentWorkEvent.Claimed, Agent = agent, Deadline = deadline });
        return new ClaimOutcome(new AgentWorkItem
        {
            SessionId = work.SessionId,
            AttemptId = work.AttemptId,
            RunId = record.RunId,
            PhaseId = record.PhaseId,
            PhaseIndex = assignment.PhaseIndex,
            Slot = assignment.Slot,
            TimeoutSeconds = record.TimeoutSeconds,
            Deadline = deadline,
            ServerTime = clock.GetUtcNow(),
            GraceSeconds = assignment.GraceSeconds,
            MayExtend = assignment.MayExtend,
            TraceParent = Telemetry.TraceIds.TraceParent(work.SessionId, work.AttemptId),
        }, NoMarker: false);
    }

    /// <summary>
    /// Notes the agent alive and its attempts' heartbeats; answers the attempts it must stop, and
    /// the deadline of each one it goes on with (moved on by the drain with <c>--extend-on-progress</c>).
    /// </summary>
    public async Task<AgentBeatAnswer> HeartbeatAsync(AgentBeat beat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(beat);
        var now = clock.GetUtcNow();
        var stop = new List<string>();
        var deadlines = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var keptDeadlines = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var running = new List<AgentRunning>();
        foreach (var attempt in beat.Running)
        {
            var record = await blobs.ReadAttemptAsync(attempt.SessionId, attempt.AttemptId, cancellationToken);
            if (record?.Assignment is not { } assignment || !assignment.IsClaimedBy(beat.Agent)
                || await blobs.IsStopRequestedAsync(attempt.SessionId, attempt.AttemptId, cancellationToken))
            {
                stop.Add(attempt.AttemptId);
                continue;
            }

            var updated = await blobs.UpdateAttemptAsync(attempt.SessionId, attempt.AttemptId, current =>
                current?.Assignment is { } a && a.IsClaimedBy(beat.Agent)
                    ? (attempt.GiveUp && attempt.DeadlineReached is { } due ? current.GiveUpAt(due) : current) with { Assignment = a with { HeartbeatAt = now } }
                    : current!,
                cancellationToken);
            if (updated.Assignment is not { } kept || !kept.IsClaimedBy(beat.Agent))
            {
                stop.Add(attempt.AttemptId);
                continue;
            }

            running.Add(attempt with { RunId = record.RunId, PhaseId = record.PhaseId, StartedAt = kept.ClaimedAt });
            deadlines[attempt.AttemptId] = updated.Deadline;
            if (updated.KeptDeadline is { } keptDeadline)
            {
                keptDeadlines[attempt.AttemptId] = keptDeadline;
            }
        }

        await directory.NoteAsync(beat.Agent, beat.Slots, beat.Machine, running, beat.Stopping, now, cancellationToken);
        return new AgentBeatAnswer(stop, deadlines, keptDeadlines, now);
    }

    /// <summary>Appends a chunk of the attempt's output to its log blob; false when the attempt is not the agent's (any more).</summary>
    public async Task<bool> AppendLogAsync(string sessionId, string attemptId, AgentLogChunk chunk, byte[] bytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(bytes);
        var record = await blobs.ReadAttemptAsync(sessionId, attemptId, cancellationToken);
        if (record?.Assignment is not { } assignment || !assignment.IsClaimedBy(chunk.Agent))
        {
            AgentLog.Refused(logger, chunk.Agent, attemptId, record?.Assignment?.State ?? "unknown");
            return false;
        }

        var blob = blobs.LogBlob(BlobSessionStore.LogBlobName(sessionId, record.RunId, record.PhaseId, chunk.Stream));
        if (chunk.Offset == 0)
        {
            await blob.CreateIfNotExistsAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain; charset=utf-8" } }, cancellationToken);
        }

        if (bytes.Length == 0)
        {
            return true;
        }

        try
        {
            using var content = new MemoryStream(bytes, writable: false);
            await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = chunk.Offset } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == "AppendPositionConditionNotMet")
        {
            // Sent again after a lost answer: stored already when the blob reaches past it.
            var length = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ContentLength;
            if (length < chunk.Offset + bytes.Length)
            {
                throw;
            }
        }

        return true;
    }

    /// <summary>Records the agent's result and tells the drain; false (refused) when the attempt was decided without it.</summary>
    public async Task<bool> ReportAsync(DurableTaskClient client, string sessionId, string attemptId, AgentRunReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var record = await blobs.ReadAttemptAsync(sessionId, attemptId, cancellationToken);
        if (record?.Assignment is not { } open)
        {
            return false;
        }

        var output = ToOutput(report, sessionId, record);
        var mine = false;
        var updated = await blobs.UpdateAttemptAsync(sessionId, attemptId, current =>
        {
            mine = current?.Assignment is { } a && a.IsClaimedBy(report.Agent);
            return mine ? current! with { Stage = AttemptStages.Ended, Assignment = current.Assignment! with { State = AgentWorkStates.Reported, Result = output } } : current!;
        }, cancellationToken);

        if (!mine)
        {
            // The same report sent again after a lost answer is accepted again; anything else is late.
            var again = updated.Assignment is { State: AgentWorkStates.Reported } r && string.Equals(r.Agent, report.Agent, StringComparison.Ordinal);
            if (!again)
            {
                AgentLog.Refused(logger, report.Agent, attemptId, updated.Assignment?.State ?? open.State);
            }

            return again;
        }

        AgentLog.Reported(logger, attemptId, report.Agent, output.Status);
        await RaiseAsync(client, updated, new AgentWorkEvent { Kind = AgentWorkEvent.Reported, Agent = report.Agent, Result = await SettleInlineAsync(updated, output, cancellationToken) });
        return true;
    }

    /// <summary>
    /// A run that ended on its own, with time to settle before the drain's phase timer: settled and
    /// its telemetry counted here, as the executor step does for its own processes, which saves the
    /// drain two round trips. The decision goes to the marker first, so the drain's own settle (if
    /// this one fails, or the event is lost) agrees with it.
    /// </summary>
    private async Task<RunPhaseExecutorOutput> SettleInlineAsync(AttemptRecord record, RunPhaseExecutorOutput output, CancellationToken cancellationToken)
    {
        var settleTimeout = executorOptions.Value.SettleTimeout;
        var phaseTimer = record.Deadline + TimeSpan.FromSeconds(record.Assignment?.GraceSeconds ?? 0);
        if (output.Status != PhaseRunStatus.Completed || clock.GetUtcNow() + settleTimeout + InlineSettleMargin >= phaseTimer)
        {
            return output;
        }

        try
        {
            var race = new Core.Phases.PhaseRaceEnd(Core.Phases.PhaseRaceWinner.ExecutorReported, ExecutorReports.From(output));
            await using var store = await stores.OpenAsync(cancellationToken);
            var reason = Core.Phases.RestoreReasons.For(race, new PhaseCandidate(record.RunId, record.PhaseId, record.Assignment?.PhaseIndex ?? 0, record.Assignment?.LastFailureReason), record.TimeoutSeconds);
            var settled = await settler.SettleAsync(store, record.SessionId, record.AttemptId, record.RunId, record.PhaseId, reason, race.WaitForSettle);
            var after = new Activities.TelemetrySnapshotOutput(await store.CountTelemetryAsync(record.Assignment?.TelemetryRunId, cancellationToken));
            return output with { Settled = settled, TelemetryAfter = after };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SettleDeferred(logger, record.AttemptId, Outage.Describe(ex));
            return output;
        }
    }

    /// <summary>
    /// The marker as the drain's periodic check sees it; a claimed attempt whose agent has been
    /// silent past the heartbeat timeout becomes lost here (once: a conditional write).
    /// </summary>
    public async Task<AttemptRecord?> CheckAsync(string sessionId, string attemptId, CancellationToken cancellationToken = default)
    {
        var record = await blobs.ReadAttemptAsync(sessionId, attemptId, cancellationToken);
        var timeout = options.Value.HeartbeatTimeout;
        if (record?.Assignment is not { State: AgentWorkStates.Claimed } claimed || !IsLost(claimed, timeout))
        {
            return record;
        }

        var description = AgentHeartbeats.LostDescription(claimed.Agent ?? "?", timeout);
        var updated = await blobs.UpdateAttemptAsync(sessionId, attemptId, current =>
            current?.Assignment is { State: AgentWorkStates.Claimed } a && IsLost(a, timeout)
                ? current with { Assignment = a with { State = AgentWorkStates.Lost, ClosedBecause = description } }
                : current!,
            cancellationToken);
        if (updated.Assignment is { State: AgentWorkStates.Lost })
        {
            AgentLog.Lost(logger, attemptId, description);
        }

        return updated;
    }

    /// <summary>Takes an open attempt back (deadline, budget, cancel): the agent is told on its next heartbeat, its late result refused.</summary>
    public Task<AttemptRecord> WithdrawAsync(string sessionId, string attemptId, string because, CancellationToken cancellationToken = default) =>
        blobs.UpdateAttemptAsync(sessionId, attemptId, current =>
            current?.Assignment is { } a && AgentWorkStates.IsOpen(a.State)
                ? current with { Assignment = a with { State = AgentWorkStates.Withdrawn, ClosedBecause = because } }
                : current!,
            cancellationToken);

    public Task<IReadOnlyList<AgentEntry>> ListAsync(CancellationToken cancellationToken = default) =>
        directory.ListAsync(clock.GetUtcNow(), options.Value.ForgetAgentAfter, cancellationToken);

    private bool IsLost(AgentAssignment assignment, TimeSpan timeout) =>
        AgentHeartbeats.IsLost(assignment.HeartbeatAt ?? assignment.ClaimedAt ?? assignment.QueuedAt, UpSince, clock.GetUtcNow(), timeout);

    private static RunPhaseExecutorOutput ToOutput(AgentRunReport report, string sessionId, AttemptRecord record) => new()
    {
        Status = report.TimedOut ? PhaseRunStatus.TimedOut : report.Stopped ? PhaseRunStatus.Stopped : PhaseRunStatus.Completed,
        InitialState = PhaseStates.Failed,
        FinalState = report.TimedOut ? PhaseStates.Timeout : report.Stopped ? PhaseStates.Interrupted : string.Empty,
        ReturnCode = report.TimedOut || report.Stopped ? null : report.ReturnCode,
        DurationSeconds = report.DurationSeconds,
        StdoutExcerpt = report.StdoutExcerpt,
        StderrExcerpt = report.StderrExcerpt,
        ReachedLlmBoundary = report.ReachedLlmBoundary,
        FailedBeforeLlm = report.FailedBeforeLlm,
        StdoutPath = BlobSessionStore.LogBlobName(sessionId, record.RunId, record.PhaseId, "stdout"),
        StderrPath = BlobSessionStore.LogBlobName(sessionId, record.RunId, record.PhaseId, "stderr"),
        ProcessId = report.ProcessId,
        Agent = report.Agent,
    };

    private async Task RaiseAsync(DurableTaskClient client, AttemptRecord record, AgentWorkEvent work)
    {
        if (record.InstanceId is not { } instance)
        {
            return;
        }

        try
        {
            await client.RaiseEventAsync(instance, AgentWorkEvent.NameFor(record.AttemptId), work);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AgentLog.RaiseFailed(logger, instance, record.AttemptId, ex.Message);
        }
    }

    /// <summary>What one queue message came to: a phase for the agent, nothing (a duplicate, a refused re-queue), or no marker found.</summary>
    private sealed record ClaimOutcome(AgentWorkItem? Item, bool NoMarker)
    {
        public static readonly ClaimOutcome Done = new(null, false);
        public static readonly ClaimOutcome Missing = new(null, true);
    }
}
