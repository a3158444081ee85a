using System.Runtime.CompilerServices;
using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Forecasts;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Activities;

/// <summary>Picks the next phase: the store streams candidates in policy order, the core selector decides.</summary>
/// <remarks>
/// With <c>LedgerEnabled</c> the ledger of earlier sessions is consulted too (skip lines end in <c>(ledger)</c>);
/// with <c>--prioritize yield|forecast</c> earlier sessions' results and the ledger make the forecast that orders the candidates.
/// </remarks>
public sealed class SelectNextPhase(IBacklogStoreFactory stores, BlobLedgerStore ledger, BlobSessionStore sessions) : TaskActivity<SelectNextPhaseInput, SelectNextPhaseOutput>
{
    public override Task<SelectNextPhaseOutput> RunAsync(TaskActivityContext context, SelectNextPhaseInput input) => SelectAsync(input);

    /// <summary>The selection, also made by <see cref="SaveSessionSnapshot"/> right after a save.</summary>
    public async Task<SelectNextPhaseOutput> SelectAsync(SelectNextPhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var span = DrainSpans.StartStep(DrainTelemetry.Spans.Select, input.SessionId ?? string.Empty, null);
        return await Outage.GuardAsync("selecting the next phase", ledger.ContainerUri, async () =>
        {
            var o = input.Options;
            var view = o.LedgerEnabled ? await ledger.ViewAsync(input.SessionId, o.LedgerWindowHours, o.MaxFingerprintRepeats) : null;
            var state = input.ExpandedState();
            await using var store = await stores.OpenAsync();

            // A dry run stores no session of its own, and its id (from its start second) may be that
            // of a real session that just ended: leaving it out would hide that session's history.
            var history = o.PrioritizeMode() == PrioritizeMode.Seed ? null : await new DrainHistoryReader(sessions, ledger).ReadAsync(o.DryRun ? null : input.SessionId, store);
            var outcome = await BacklogSelection.SelectNextAsync(store, state, o, view, input.BusyRuns.ToHashSet(StringComparer.Ordinal), history);
            var before = input.CountTelemetry && outcome.Selected is { } picked
                ? new TelemetrySnapshotOutput(await store.CountTelemetryAsync(input.TelemetryPerRun ? picked.RunId : null))
                : null;
            SelectionTelemetry.Record(span, outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            return new SelectNextPhaseOutput { Selected = outcome.Selected, Lines = [.. outcome.Lines], NoPick = outcome.NoPick, TelemetryBefore = before };
        });
    }
}

public sealed record TelemetrySnapshotOutput(long? Count);

/// <summary>Counts telemetry rows (null when a telemetry table is missing: unknown, not zero).</summary>
public sealed class CaptureTelemetrySnapshot(IBacklogStoreFactory stores) : TaskActivity<TelemetrySnapshotInput, TelemetrySnapshotOutput>
{
    public override Task<TelemetrySnapshotOutput> RunAsync(TaskActivityContext context, TelemetrySnapshotInput input) =>
        Outage.GuardAsync("counting telemetry", null, async () =>
        {
            using var span = DrainSpans.StartStep(DrainTelemetry.Spans.Snapshot, input?.SessionId ?? string.Empty, input?.AttemptId);
            await using var store = await stores.OpenAsync();
            return new TelemetrySnapshotOutput(await store.CountTelemetryAsync(input?.RunId));
        });
}

/// <summary>
/// Runs one attempt of a phase: marks the attempt, re-queues the phase, runs the executor until it
/// exits, its deadline passes or it is stopped, and reports how the process ended. It does not read
/// the outcome: <see cref="SettlePhaseOutcome"/> does, outside the deadline's race. A redelivered
/// call (the host was killed, a lease lapsed) never starts the executor again: it finds the
/// attempt's marker, adopts the processes still running (waits for them up to the deadline, then
/// kills them) and reports <see cref="PhaseRunStatus.Adopted"/>, so that the phase's real state
/// decides. It only throws before the executor starts (then retrying the same attempt is safe).
/// </summary>
public sealed class RunPhaseExecutor(
    IBacklogStoreFactory stores,
    BlobSessionStore blobs,
    IPhaseExecutor executor,
    AttemptRegistry attempts,
    AttemptProcesses processes,
    AttemptSettler settler,
    IOptions<ExecutorOptions> options,
    ILogger<RunPhaseExecutor> logger,
    AgentDispatcher agents,
    SaveSessionSnapshot saves) : TaskActivity<RunPhaseExecutorInput, RunPhaseExecutorOutput>
{
    private static readonly TimeSpan AdoptPoll = TimeSpan.FromMilliseconds(500);

    /// <summary>Room left before the phase timer for the settle's own queries and the reply.</summary>
    private static readonly TimeSpan InlineSettleMargin = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Room left before the phase timer for an inline record (<see cref="InlineRecordPlan"/>): it
    /// must be over well before the timer, whose path records the attempt as the orchestration sees it.
    /// </summary>
    private static readonly TimeSpan InlineRecordMargin = TimeSpan.FromSeconds(10);

    /// <summary>An inline record not over this long before the phase timer is given up (the orchestrator records).</summary>
    private static readonly TimeSpan InlineRecordCutoff = TimeSpan.FromSeconds(5);

    public override async Task<RunPhaseExecutorOutput> RunAsync(TaskActivityContext context, RunPhaseExecutorInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        if (options.Value.Kind == ExecutorOptions.AgentKind)
        {
            // The agents run it: this step only hands it over, and the drain waits for their word.
            return await Outage.GuardAsync($"handing attempt {input.AttemptId} of {input.Phase.Key} to the agents", blobs.Container.Uri, () => agents.DispatchAsync(context.InstanceId, input));
        }

        if (attempts.TryClaim(input.AttemptId, out var prestarted, out var startedBy))
        {
            // Started in this process before the orchestration asked (by the drain's starter, or by the
            // call that recorded the attempt before): its run is this call's (recorded by this call).
            if (startedBy is not null)
            {
                ForgetAnswer(input.SessionId, startedBy);
            }

            return await RecordInlineAsync(input, await prestarted);
        }

        return await RunHereAsync(context, input);
    }

    /// <summary>
    /// The call without taking over a prestarted attempt: the orchestration's own call, and the
    /// starter's start of a drain's first attempt (<see cref="FirstAttemptStarter"/>).
    /// </summary>
    public async Task<RunPhaseExecutorOutput> RunHereAsync(TaskActivityContext context, RunPhaseExecutorInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        using var handle = attempts.TryBegin(input.AttemptId, out var already);
        if (handle is null)
        {
            // Delivered again while the first call still runs in this process: one outcome for both.
            Log.AttemptJoined(logger, input.AttemptId);
            return await already!;
        }

        try
        {
            var output = await Outage.GuardAsync($"running attempt {input.AttemptId} of {input.Phase.Key}", blobs.Container.Uri, () => RunOnceAsync(context, input, handle));
            handle.Complete(output);
            return output;
        }
        catch (Exception ex)
        {
            handle.Fail(ex);
            throw;
        }
    }

    private async Task<RunPhaseExecutorOutput> RunOnceAsync(TaskActivityContext context, RunPhaseExecutorInput input, AttemptRegistry.Handle handle)
    {
        var phase = input.Phase;
        using var span = DrainSpans.StartStep(DrainTelemetry.Spans.Execute, input.SessionId, input.AttemptId);
        span?.SetTag(DrainTelemetry.Attributes.RunId, phase.RunId);
        span?.SetTag(DrainTelemetry.Attributes.PhaseId, phase.PhaseId);
        span?.SetTag(DrainTelemetry.Attributes.Category, PhaseCategorizer.Name(phase.Category));
        span?.SetTag(DrainTelemetry.Attributes.Slot, input.Slot);
        var output = await RunStagesAsync(context, input, handle);
        span?.SetTag(DrainTelemetry.Attributes.ExecutorStatus, output.Status.ToString());
        span?.SetTag(DrainTelemetry.Attributes.TimedOut, output.Status == PhaseRunStatus.TimedOut);
        DrainSpans.MarkSettled(span, output.Settled);
        return output;
    }

    private async Task<RunPhaseExecutorOutput> RunStagesAsync(TaskActivityContext context, RunPhaseExecutorInput input, AttemptRegistry.Handle handle)
    {
        var phase = input.Phase;
        var fresh = new AttemptRecord
        {
            AttemptId = input.AttemptId,
            SessionId = input.SessionId,
            InstanceId = context.InstanceId,
            RunId = phase.RunId,
            PhaseId = phase.PhaseId,
            Stage = AttemptStages.Marked,
            Deadline = input.Deadline,
            TimeoutSeconds = input.TimeoutSeconds,
            Machine = AttemptProcesses.MachineName,
            BootId = AttemptProcesses.BootId,
            Tag = AttemptProcesses.TagVariable + "=" + input.AttemptId,
            Cgroup = processes.CgroupOf(input.AttemptId),
        };

        var redelivered = !await blobs.TryCreateAttemptAsync(fresh);
        var record = redelivered ? await blobs.ReadAttemptAsync(input.SessionId, input.AttemptId) ?? fresh : fresh;
        if (redelivered && record.Answer is { } kept && JsonDataConverter.Default.Deserialize<RunPhaseExecutorOutput>(AttemptRecord.UnpackAnswer(kept)) is { } answered)
        {
            // An earlier call answered, then started the next attempt on that answer: the same answer.
            Log.AnswerRepeated(logger, input.AttemptId, answered.Recorded?.Next?.AttemptId);
            return answered;
        }
        if (redelivered && (AttemptStages.MayHaveStarted(record.Stage) || processes.FindAlive(input.AttemptId, record.MainProcess).Count > 0))
        {
            return await AdoptAsync(input, record, handle);
        }

        await using var store = await stores.OpenAsync();
        if (redelivered && input.Deadline <= DateTimeOffset.UtcNow)
        {
            // An earlier call stopped before starting anything and its time is over: start nothing.
            Log.AttemptAdopted(logger, input.AttemptId, phase.RunId, phase.PhaseId, 0, record.Stage);
            return Adopted(input, record, 0) with { NeverStarted = true };
        }

        var requeue = await store.TryRequeueAsync(phase.RunId, phase.PhaseId);
        var ours = requeue.Status == RequeueStatus.Requeued
            || (redelivered && requeue.Status == RequeueStatus.NotFailed && requeue.CurrentState == PhaseStates.Queued);
        if (!ours)
        {
            Log.RequeueRefused(logger, phase.RunId, phase.PhaseId, requeue.Status.ToString(), requeue.CurrentState);
            return new RunPhaseExecutorOutput
            {
                Status = requeue.Status == RequeueStatus.NotFound ? PhaseRunStatus.NotFound : PhaseRunStatus.RequeueConflict,
                CurrentState = requeue.CurrentState,
                InitialState = requeue.CurrentState ?? PhaseStates.NotFound,
            };
        }

        // Written before the start: a redelivery that sees it knows the executor may be running.
        await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current => (current ?? fresh) with { Stage = AttemptStages.Starting, Deadline = input.Deadline });

        ExecutorRun run;
        var timeout = new StrongBox<int>(input.TimeoutSeconds);
        using (var pollStop = new CancellationTokenSource())
        {
            var poll = PollStopMarkerAsync(input, handle.Source, pollStop.Token);
            DrainTelemetry.PhasesInFlight.Add(1);
            try
            {
                run = await executor.RunAsync(
                    new ExecutorRequest(input.SessionId, phase.RunId, phase.PhaseId, phase.PhaseIndex, input.Deadline, input.ApiUrl)
                    {
                        AttemptId = input.AttemptId,
                        Slot = input.Slot,
                        Workspace = input.Workspace,
                        TraceParent = TraceIds.TraceParent(input.SessionId, input.AttemptId),
                        ReadDeadline = input.MayExtend ? (due, giveUp, ct) => ReadDeadlineAsync(input, timeout, due, giveUp, ct) : null,
                        DeadlinePatience = DeadlinePatience(input),
                        OnStarted = main => blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current => (current ?? fresh) with
                        {
                            Stage = AttemptStages.Started,
                            Pid = main.Pid,
                            PidStartTicks = main.StartTicks,
                            StartedAt = DateTimeOffset.UtcNow,
                        }),
                    },
                    handle.Token);
            }
            finally
            {
                DrainTelemetry.PhasesInFlight.Add(-1);
                await pollStop.CancelAsync();
                await poll;
            }
        }

        var output = new RunPhaseExecutorOutput
        {
            Status = run.TimedOut ? PhaseRunStatus.TimedOut : run.Stopped ? PhaseRunStatus.Stopped : PhaseRunStatus.Completed,
            InitialState = PhaseStates.Failed,
            FinalState = run.TimedOut ? PhaseStates.Timeout : run.Stopped ? PhaseStates.Interrupted : string.Empty,
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

        var ended = await AfterRunAsync(input, run.TimedOut, timeout.Value);
        // An extended attempt's phase timer moved on with its deadline.
        var settled = await SettleInlineAsync(input, output, TimeSpan.FromSeconds(timeout.Value - input.TimeoutSeconds), ended);
        return handle.Token.IsCancellationRequested ? settled : await RecordInlineAsync(input, settled);
    }

    /// <summary>
    /// A settled attempt of a sequential drain recorded here, as the orchestration would record it
    /// (<see cref="InlineRecordPlan"/>): its result and the save after it, one trip through the engine
    /// fewer. Only well before the phase timer, and given up before it; any failure leaves the record
    /// to the orchestration, whose save then writes the same result at the same index (the ledger
    /// keeps one entry per attempt).
    /// </summary>
    private async Task<RunPhaseExecutorOutput> RecordInlineAsync(RunPhaseExecutorInput input, RunPhaseExecutorOutput output)
    {
        var now = DateTimeOffset.UtcNow;
        if (input.Record is not { } plan || output.Settled is not { } settled || output.Recorded is not null
            || input.SettleBy is not { } by || now + InlineRecordMargin >= by)
        {
            return output;
        }

        try
        {
            using var cutoff = new CancellationTokenSource(by - InlineRecordCutoff - now);
            var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, ExecutorReports.From(output));
            var result = InlineRecordPlan.Decide(input.Phase, input.AttemptId, input.SessionId, race, settled, plan.TelemetryBefore, output.TelemetryAfter?.Count, plan.AttemptStartedAt, now, plan.PhaseTimeoutSeconds, plan.Before.Options.MaxTotalMinutes);
            result.AttemptId = input.AttemptId;
            // Whether a cancel was asked is looked up beside the save (the next attempt starts only without one).
            var cancelAsked = plan.NextOrdinal is null ? null : CancelAskedAsync(plan.InstanceId, cutoff.Token);
            var saved = await saves.SaveAsync(plan.SaveAfter(result, now), cutoff.Token);
            var answer = output with { Recorded = new InlineRecord(result, saved) };
            return plan.NextOrdinal is { } ordinal && saved.Finished is null && saved.Lock?.Held != false && saved.Selection?.Selected is { } next
                ? await StartNextAsync(input, plan, answer, next, ordinal, cancelAsked!, cutoff.Token)
                : answer;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RecordDeferred(logger, input.AttemptId, Outage.Describe(ex));
            return output;
        }
    }

    /// <summary>
    /// The next attempt, of the phase the save just selected, started here instead of after this
    /// call's answer has gone through the engine and the orchestration's call for it has come back
    /// (one trip, about 40 ms a phase on Azurite, overlapped with the executor's own start; issue 17).
    /// Not after a cancel was asked (<see cref="BlobSessionStore.RequestCancelAsync"/>). The answer,
    /// which names it, is kept in this attempt's marker first: a redelivered call gives it again, so
    /// the orchestration runs (or, after a crash, adopts) the started attempt whatever happens.
    /// </summary>
    private async Task<RunPhaseExecutorOutput> StartNextAsync(RunPhaseExecutorInput input, InlineRecordPlan plan, RunPhaseExecutorOutput answer, PhaseCandidate phase, int ordinal, Task<bool> cancelAsked, CancellationToken cancellationToken)
    {
        RunPhaseExecutorInput next;
        try
        {
            if (await cancelAsked)
            {
                return answer;
            }

            next = plan.NextAttempt(phase, ordinal, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(plan.Before.Options.PhaseTimeoutSeconds));
            answer = answer with { Recorded = answer.Recorded! with { Next = new PrestartedAttempt(next.AttemptId, next.Deadline) } };
            var kept = AttemptRecord.PackAnswer(JsonDataConverter.Default.Serialize(answer) ?? throw new InvalidOperationException("an answer serializes to JSON"));
            await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current => (current ?? new AttemptRecord { AttemptId = input.AttemptId, SessionId = input.SessionId, Stage = AttemptStages.Ended }) with { Answer = kept }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing started: the orchestration starts the next attempt, as without this step.
            Log.NextDeferred(logger, input.AttemptId, Outage.Describe(ex));
            return answer with { Recorded = answer.Recorded! with { Next = null } };
        }

        // Reserved before this call answers: the orchestration's call for it takes the run over.
        var run = new TaskCompletionSource<RunPhaseExecutorOutput>(TaskCreationOptions.RunContinuationsAsynchronously);
        attempts.Prestarted(next.AttemptId, run.Task, startedBy: input.AttemptId);
        Log.NextStarted(logger, input.AttemptId, next.AttemptId, phase.RunId, phase.PhaseId);
        _ = Task.Run(async () =>
        {
            using var scope = DrainLogs.BeginSession(logger, next.SessionId);
            try
            {
                run.TrySetResult(await RunHereAsync(new FirstAttemptStarter.StarterContext(plan.InstanceId), next));
            }
            catch (Exception ex)
            {
                // The orchestration's call gets it, and makes the call again as after any failure before a start.
                run.TrySetException(ex);
            }
        }, CancellationToken.None);
        return answer;
    }

    /// <summary>
    /// The answer kept in <paramref name="attemptId"/>'s marker, let go once the orchestration asked for
    /// the attempt that answer started (it has recorded the answer: that call is not delivered again).
    /// Beside the run, best effort: a kept answer only costs its bytes (about 1 KB a phase).
    /// </summary>
    private void ForgetAnswer(string sessionId, string attemptId) =>
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await blobs.UpdateAttemptAsync(sessionId, attemptId, current => (current ?? throw new InvalidOperationException($"the marker of attempt {attemptId} is gone")) with { Answer = null });
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.AttemptMarkerUpdateFailed(logger, attemptId, Outage.Describe(ex));
                }
            },
            CancellationToken.None);

    /// <summary>A cancel's marker for the drain (an unreadable one counts as asked: nothing more starts here).</summary>
    private async Task<bool> CancelAskedAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            return await blobs.IsCancelRequestedAsync(instanceId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.NextDeferred(logger, instanceId, Outage.Describe(ex));
            return true;
        }
    }

    /// <summary>
    /// An executor that exited on its own, with time to settle before the phase timer: the settle
    /// (and the telemetry count after it) done here, as <see cref="SettlePhaseOutcome"/> would do
    /// it, instead of two more round trips through the orchestrator. Any failure leaves it to the
    /// orchestrator, which then settles as always (the decision in the marker makes both agree).
    /// </summary>
    /// <param name="ended">The marker as this call wrote it when every process was gone (null: read it).</param>
    private async Task<RunPhaseExecutorOutput> SettleInlineAsync(RunPhaseExecutorInput input, RunPhaseExecutorOutput output, TimeSpan extended, AttemptRecord? ended)
    {
        if (output.Status != PhaseRunStatus.Completed || input.SettleBy is not { } by || DateTimeOffset.UtcNow + options.Value.SettleTimeout + InlineSettleMargin >= by + extended)
        {
            return output;
        }

        try
        {
            var race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, ExecutorReports.From(output));
            await using var store = await stores.OpenAsync();
            var settled = await settler.SettleAsync(store, input.SessionId, input.AttemptId, input.Phase.RunId, input.Phase.PhaseId, RestoreReasons.For(race, input.Phase, input.TimeoutSeconds), race.WaitForSettle, ended);
            var after = new TelemetrySnapshotOutput(await store.CountTelemetryAsync(input.TelemetryRunId));
            return output with { Settled = settled, TelemetryAfter = after };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SettleDeferred(logger, input.AttemptId, Outage.Describe(ex));
            return output;
        }
    }

    /// <summary>
    /// Bookkeeping once every process is gone; never fails the call (the executor already ran):
    /// the marker says so, and a timed-out phase is restored at once so that its run is not blocked
    /// while the orchestrator wakes up (its settle finds the same decision). Returns the marker as
    /// written (null when the write failed).
    /// </summary>
    private async Task<AttemptRecord?> AfterRunAsync(RunPhaseExecutorInput input, bool timedOut, int timeoutSeconds)
    {
        AttemptRecord? ended = null;
        try
        {
            ended = await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current => (current ?? new AttemptRecord { AttemptId = input.AttemptId, SessionId = input.SessionId }) with { Stage = AttemptStages.Ended });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A redelivery then adopts an attempt with no process left: the same outcome.
            Log.AttemptMarkerUpdateFailed(logger, input.AttemptId, Outage.Describe(ex));
        }

        if (!timedOut)
        {
            return ended;
        }

        try
        {
            await using var store = await stores.OpenAsync();
            await settler.SettleAsync(store, input.SessionId, input.AttemptId, input.Phase.RunId, input.Phase.PhaseId, RestoreReasons.Timeout(timeoutSeconds), waitForSettle: false, ended);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SettleDeferred(logger, input.AttemptId, Outage.Describe(ex));
        }

        return ended;
    }

    /// <summary>
    /// A lost call started this attempt: wait for what it left running, up to the attempt's
    /// deadline (then kill it all), never starting anything. The return code cannot be known.
    /// </summary>
    private async Task<RunPhaseExecutorOutput> AdoptAsync(RunPhaseExecutorInput input, AttemptRecord record, AttemptRegistry.Handle handle)
    {
        var phase = input.Phase;
        var deadline = record.Deadline == default ? input.Deadline : record.Deadline;
        if (!record.IsLocal(AttemptProcesses.MachineName, AttemptProcesses.BootId))
        {
            if (string.Equals(record.Machine, AttemptProcesses.MachineName, StringComparison.Ordinal))
            {
                // Same machine, another boot: nothing of it can still run.
                Log.AttemptAdopted(logger, input.AttemptId, phase.RunId, phase.PhaseId, 0, record.Stage);
                return Adopted(input, record, 0);
            }

            // Another machine's processes cannot be seen: give them their full time, then let the
            // phase's state decide (the stop marker reaches them if their host still lives).
            Log.AttemptElsewhere(logger, input.AttemptId, record.Machine, deadline);
            using var pollStop = new CancellationTokenSource();
            var poll = PollStopMarkerAsync(input, handle.Source, pollStop.Token);
            try
            {
                var wait = deadline - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, handle.Token);
                }
            }
            catch (OperationCanceledException)
            {
                await blobs.RequestStopAsync(input.SessionId, input.AttemptId);
            }
            finally
            {
                await pollStop.CancelAsync();
                await poll;
            }

            return Adopted(input, record, 0) with { ElsewhereOn = record.Machine };
        }

        var main = record.MainProcess;
        var timeout = new StrongBox<int>(record.TimeoutSeconds > 0 ? record.TimeoutSeconds : input.TimeoutSeconds);
        var alive = processes.FindAlive(input.AttemptId, main);
        Log.AttemptAdopted(logger, input.AttemptId, phase.RunId, phase.PhaseId, alive.Count, record.Stage);
        var output = Adopted(input, record, alive.Count);
        if (alive.Count > 0)
        {
            using var pollStop = new CancellationTokenSource();
            var poll = PollStopMarkerAsync(input, handle.Source, pollStop.Token);
            bool gone;
            try
            {
                // The drain may have moved the deadline on meanwhile: it is read again when it comes.
                while (!(gone = await processes.WaitAllGoneAsync(input.AttemptId, main, deadline, AdoptPoll, handle.Token))
                    && input.MayExtend && await DeadlineVerdicts.AwaitAsync((due, giveUp, ct) => ReadDeadlineAsync(input, timeout, due, giveUp, ct), deadline, DeadlinePatience(input), handle.Token) is { } moved)
                {
                    Log.DeadlineMoved(logger, input.AttemptId, moved);
                    deadline = moved;
                }
            }
            catch (OperationCanceledException)
            {
                gone = false;
            }
            finally
            {
                await pollStop.CancelAsync();
                await poll;
            }

            if (!gone)
            {
                await processes.KillAllAsync(input.AttemptId, main);
                var stopped = handle.Token.IsCancellationRequested;
                output = output with
                {
                    Status = stopped ? PhaseRunStatus.Stopped : PhaseRunStatus.TimedOut,
                    FinalState = stopped ? PhaseStates.Interrupted : PhaseStates.Timeout,
                };
            }
        }

        processes.Release(input.AttemptId);
        output = output with { DurationSeconds = record.StartedAt is { } at ? Math.Round((DateTimeOffset.UtcNow - at).TotalSeconds, 3) : 0 };
        await AfterRunAsync(input, output.Status == PhaseRunStatus.TimedOut, timeout.Value);
        return output;
    }

    private static RunPhaseExecutorOutput Adopted(RunPhaseExecutorInput input, AttemptRecord record, int processCount) => new()
    {
        Status = PhaseRunStatus.Adopted,
        Adopted = true,
        AdoptedProcesses = processCount,
        NeverStarted = !AttemptStages.MayHaveStarted(record.Stage),
        InitialState = PhaseStates.Failed,
        ProcessId = record.Pid,
        StdoutPath = BlobSessionStore.LogBlobName(input.SessionId, input.Phase.RunId, input.Phase.PhaseId, "stdout"),
        StderrPath = BlobSessionStore.LogBlobName(input.SessionId, input.Phase.RunId, input.Phase.PhaseId, "stderr"),
    };

    /// <summary>
    /// What the drain's look (<see cref="CheckPhaseProgress"/>) decided about <paramref name="due"/>,
    /// from the attempt's marker; giving up keeps it, through the marker's ETag, unless the look
    /// moved it meanwhile. The timeout in force goes into <paramref name="timeout"/>.
    /// </summary>
    private async Task<DeadlineVerdict> ReadDeadlineAsync(RunPhaseExecutorInput input, StrongBox<int> timeout, DateTimeOffset due, bool giveUp, CancellationToken cancellationToken)
    {
        var record = giveUp
            ? await blobs.UpdateAttemptAsync(input.SessionId, input.AttemptId, current => (current ?? throw new InvalidOperationException($"the marker of attempt {input.AttemptId} is gone")).GiveUpAt(due), cancellationToken)
            : await blobs.ReadAttemptAsync(input.SessionId, input.AttemptId, cancellationToken);
        if (record is null)
        {
            return DeadlineVerdict.Kept(due);
        }

        timeout.Value = Math.Max(timeout.Value, record.TimeoutSeconds);
        return record.VerdictAt(due);
    }

    /// <summary>Half the grace before the phase timer, at most 10 s: how long an executor at an undecided deadline waits for the drain's look.</summary>
    private static TimeSpan DeadlinePatience(RunPhaseExecutorInput input) =>
        input.SettleBy is { } by && by > input.Deadline ? TimeSpan.FromSeconds(Math.Min(10, (by - input.Deadline).TotalSeconds / 2)) : TimeSpan.Zero;

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
                catch (Exception ex) when (ex is Azure.RequestFailedException || Outage.IsStorageUnreachable(ex))
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        return;
                    }

                    Log.StopPollFailed(logger, input.AttemptId, Outage.Describe(ex));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the attempt ended
        }
        catch (ObjectDisposedException)
        {
            // the attempt ended
        }
    }
}

/// <summary>
/// Decides what became of an attempt's phase once none of its processes runs: kills what is left,
/// reads the phase (waiting for it to settle after a clean exit), and restores it to FAILED when it
/// was left QUEUED/EXECUTING. The decision is written to the attempt marker before the database is
/// changed, so that a repeated settle (retry, redelivery, a second path) returns the same decision
/// and the drain's own restore is never taken for the executor's failure.
/// </summary>
public sealed class AttemptSettler(BlobSessionStore blobs, AttemptProcesses processes, IOptions<ExecutorOptions> options, ILogger<AttemptSettler> logger)
{
    /// <param name="known">
    /// The marker as the caller just wrote it (the executor call, once every process is gone): read
    /// otherwise. Either is a snapshot; a decision is written conditionally on the marker's ETag.
    /// </param>
    public async Task<SettlePhaseOutcomeOutput> SettleAsync(IBacklogStore store, string sessionId, string attemptId, string runId, string phaseId, string reason, bool waitForSettle, AttemptRecord? known = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        AttemptRecord? record = known;
        Exception? unreachable = null;
        try
        {
            record ??= await blobs.ReadAttemptAsync(sessionId, attemptId);
        }
        catch (Exception ex) when (Outage.IsStorageUnreachable(ex))
        {
            unreachable = ex; // the processes are killed all the same, then the call is retried
        }

        // Nothing the attempt started may still run when its phase is judged. An agent's processes
        // are on its own machine: it kills them when its heartbeat hears the attempt is decided.
        var killed = record?.RunsOnAgent == true ? 0 : await processes.KillAllAsync(attemptId, record?.MainProcess);
        processes.Release(attemptId);
        if (unreachable is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unreachable);
        }

        var stage = record?.Stage;
        if (record?.Settlement is { } decided)
        {
            return await ApplyAsync(store, runId, phaseId, decided, killed, stage);
        }

        var o = options.Value;
        var phase = waitForSettle && killed == 0
            ? await store.WaitForSettledAsync(runId, phaseId, o.SettleTimeout, o.SettlePoll)
            : await store.GetPhaseAsync(runId, phaseId);
        if (phase is null)
        {
            return new SettlePhaseOutcomeOutput { Found = false, State = PhaseStates.NotFound, ProcessesKilled = killed, Stage = stage };
        }

        if (phase.State is not (PhaseStates.Queued or PhaseStates.Executing))
        {
            Log.PhaseSettled(logger, runId, phaseId, phase.State, false);
            return new SettlePhaseOutcomeOutput { State = phase.State, LastFailureReason = phase.LastFailureReason, ProcessesKilled = killed, Stage = stage };
        }

        var decision = new AttemptSettlement { Restored = true, SeenState = phase.State, LastFailureReason = phase.LastFailureReason, Reason = reason };
        var written = await blobs.UpdateAttemptAsync(sessionId, attemptId, current =>
            (current ?? new AttemptRecord { AttemptId = attemptId, SessionId = sessionId, RunId = runId, PhaseId = phaseId, Stage = AttemptStages.Ended })
                with { Settlement = current?.Settlement ?? decision });
        return await ApplyAsync(store, runId, phaseId, written.Settlement ?? decision, killed, stage);
    }

    private async Task<SettlePhaseOutcomeOutput> ApplyAsync(IBacklogStore store, string runId, string phaseId, AttemptSettlement decided, int killed, string? stage)
    {
        if (decided.Restored)
        {
            // Idempotent: only a QUEUED/EXECUTING phase changes.
            await store.RestoreToFailedAsync(runId, phaseId, decided.Reason ?? string.Empty);
        }

        Log.PhaseSettled(logger, runId, phaseId, decided.SeenState, decided.Restored);
        return new SettlePhaseOutcomeOutput
        {
            Found = decided.SeenState != PhaseStates.NotFound,
            State = decided.SeenState,
            LastFailureReason = decided.LastFailureReason,
            Restored = decided.Restored,
            ProcessesKilled = killed,
            Stage = stage,
        };
    }
}

/// <summary>
/// After an attempt, outside the deadline's race: the phase's real state (re-read for up to the
/// settle time after a clean exit), restored to FAILED when the attempt left it QUEUED/EXECUTING.
/// Only reads and idempotent writes: retried freely, also through long outages.
/// </summary>
public sealed class SettlePhaseOutcome(IBacklogStoreFactory stores, BlobSessionStore blobs, AttemptSettler settler) : TaskActivity<SettlePhaseOutcomeInput, SettlePhaseOutcomeOutput>
{
    public override Task<SettlePhaseOutcomeOutput> RunAsync(TaskActivityContext context, SettlePhaseOutcomeInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Outage.GuardAsync($"settling {input.RunId}:{input.PhaseId}", blobs.Container.Uri, async () =>
        {
            using var span = DrainSpans.StartStep(DrainTelemetry.Spans.Settle, input.SessionId, input.AttemptId);
            await using var store = await stores.OpenAsync();
            var settled = await settler.SettleAsync(store, input.SessionId, input.AttemptId, input.RunId, input.PhaseId, input.RestoreReason, input.WaitForSettle);
            DrainSpans.MarkSettled(span, settled);
            return settled;
        });
    }
}

/// <summary>
/// Stops a running attempt and puts its phase back to FAILED: at once when it runs in this process,
/// every process of the attempt on this machine (also when a lost call started it), the stop marker
/// blob for other machines; then settles the phase like <see cref="SettlePhaseOutcome"/> (the
/// decision is recorded, so settling again gives the same answer). Safe to repeat.
/// </summary>
public sealed class RestorePhase(IBacklogStoreFactory stores, BlobSessionStore blobs, AttemptRegistry attempts, AttemptSettler settler, ILogger<RestorePhase> logger, AgentBroker agents)
    : TaskActivity<RestorePhaseInput, RestorePhaseOutput>
{
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    public override Task<RestorePhaseOutput> RunAsync(TaskActivityContext context, RestorePhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Outage.GuardAsync($"restoring {input.RunId}:{input.PhaseId}", blobs.Container.Uri, async () =>
        {
            using var span = DrainSpans.StartStep(DrainTelemetry.Spans.Restore, input.SessionId, input.AttemptId);
            span?.SetTag(DrainTelemetry.Attributes.RunId, input.RunId);
            span?.SetTag(DrainTelemetry.Attributes.PhaseId, input.PhaseId);
            await using var store = await stores.OpenAsync();
            if (input.AttemptId is not { } attemptId)
            {
                var restoredWithout = await store.RestoreToFailedAsync(input.RunId, input.PhaseId, input.Reason);
                Log.PhaseRestored(logger, input.RunId, input.PhaseId, restoredWithout, false);
                return new RestorePhaseOutput(restoredWithout, false);
            }

            // Handed to an agent: taken back first, so that its late result is refused.
            if ((await blobs.ReadAttemptAsync(input.SessionId, attemptId))?.RunsOnAgent == true)
            {
                await agents.WithdrawAsync(input.SessionId, attemptId, input.Reason);
            }

            var stopped = await attempts.StopAsync(attemptId, StopWait);
            var settled = await settler.SettleAsync(store, input.SessionId, attemptId, input.RunId, input.PhaseId, input.Reason, waitForSettle: false);
            await blobs.RequestStopAsync(input.SessionId, attemptId);
            stopped |= settled.ProcessesKilled > 0;
            Log.PhaseRestored(logger, input.RunId, input.PhaseId, settled.Restored, stopped);
            span?.SetTag(DrainTelemetry.Attributes.Restored, settled.Restored);
            return new RestorePhaseOutput(settled.Restored, stopped);
        });
    }
}

/// <summary>
/// Rewrites the session header and appends one result (or only the header, at the start). Bytes
/// written per phase do not grow with the session: see <see cref="BlobSessionStore.SaveAsync"/>.
/// A save that finished its session says so to <paramref name="finished"/>, for a watcher in the same process.
/// </summary>
public sealed class SaveSessionSnapshot(BlobSessionStore blobs, BlobLedgerStore ledger, IBacklogStoreFactory stores, DrainLockStore locks, FinishedSessionSignal? finished = null) : TaskActivity<SaveSessionSnapshotInput, SaveSessionSnapshotOutput>
{
    public override Task<SaveSessionSnapshotOutput> RunAsync(TaskActivityContext context, SaveSessionSnapshotInput input) => SaveAsync(input);

    /// <summary>
    /// The save itself: also called by a drain's starter for the session's first save
    /// (<see cref="SaveSessionSnapshotInput.First"/>), and by the executor activity that records its
    /// attempt (<see cref="InlineRecordPlan"/>; <paramref name="cancellationToken"/>: its cutoff, checked between the steps).
    /// </summary>
    public async Task<SaveSessionSnapshotOutput> SaveAsync(SaveSessionSnapshotInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = await SaveOnceAsync(input, cancellationToken);
        if (output.Finished is not null)
        {
            finished?.Finished(input.SessionId);
        }

        return output;
    }

    private async Task<SaveSessionSnapshotOutput> SaveOnceAsync(SaveSessionSnapshotInput input, CancellationToken cancellationToken)
    {
        var state = input.HeaderState();
        var header = new DrainSession
        {
            SessionId = input.SessionId,
            StartedAt = input.StartedAt,
            BatchSize = input.BatchSize,
            State = state,
        };
        var attemptId = input.Result is null ? null : DrainSpans.AttemptOf(input.SessionId, input.Result, input.ResultIndex);
        SaveSessionSnapshotOutput output;
        using (DrainSpans.StartStep(DrainTelemetry.Spans.Save, input.SessionId, attemptId, input.Result is null ? null : DrainSpans.Outcome(input.Result)))
        {
            var metrics = await Outage.GuardAsync($"saving session {input.SessionId}", blobs.Container.Uri, () => blobs.SaveAsync(header, input.Result, input.ResultIndex, cancellationToken));
            output = new SaveSessionSnapshotOutput(BlobSessionStore.SessionBlobName(input.SessionId), metrics.BytesStaged, metrics.BlockListBytes);
        }

        // After the save only: a failed save is retried and must not count the phase twice.
        DrainSpans.RecordSaved(input.SessionId, input.Result, input.ResultIndex, state);

        // After the save too: an entry is never in the ledger for a result the session lacks.
        cancellationToken.ThrowIfCancellationRequested();
        if (input.LedgerEntryInput() is { } entry)
        {
            await RecordLedgerEntry.RecordAsync(ledger, entry);
        }

        // A drain that ends after this save: the session finished, then the lock let go (in the order the
        // orchestration makes them when it ends otherwise).
        cancellationToken.ThrowIfCancellationRequested();
        if (input.Next is null)
        {
            output = await EndAsync(input, output);
        }

        // Then the lock's renewal due before the next pick, and the pick (which sees the ledger entry).
        if (input.RenewLock is { } renew)
        {
            output = output with { Lock = await new RenewDrainLock(locks).RenewAsync(renew) };
        }

        if (input.Next is not { } next || output.Lock?.Held == false)
        {
            return output;
        }

        if (next.ProcessedFromSession)
        {
            var session = await Outage.GuardAsync($"reading session {input.SessionId}", blobs.Container.Uri, () => blobs.LoadAsync(input.SessionId))
                ?? throw new InvalidOperationException($"session {input.SessionId} was saved but cannot be read back");
            next = next with { ProcessedByRun = ProcessedKeyGroups.Group(session.Results.Select(r => r.Key)), ProcessedFromSession = false };
        }

        cancellationToken.ThrowIfCancellationRequested();
        output = output with { Selection = await new SelectNextPhase(stores, ledger, blobs).SelectAsync(next) };

        // Nothing left to pick: the drain ends here, so it ends in this save.
        return output.Selection.Selected is null ? await EndAsync(input, output) : output;
    }

    private async Task<SaveSessionSnapshotOutput> EndAsync(SaveSessionSnapshotInput input, SaveSessionSnapshotOutput output)
    {
        if (input.Finish is { } finish)
        {
            output = output with { Finished = await FinishSession.FinishAsync(blobs, blobs.Container.Name, finish) };
        }

        if (input.ReleaseLock is { } release)
        {
            output = output with { Released = await new ReleaseDrainLock(locks).ReleaseAsync(release) };
        }

        return output;
    }
}

/// <summary>
/// Ends a session: <c>completed_at</c> in the header and <c>&lt;session-id&gt;.summary.txt</c>. A
/// separate activity (not a flag on <see cref="SaveSessionSnapshot"/>) because it is the only step
/// that reads every result back (the summary needs them) and it runs once per session.
/// </summary>
public sealed class FinishSession(BlobSessionStore blobs, IOptions<SnapshotOptions> options) : TaskActivity<FinishSessionInput, FinishSessionOutput>
{
    public override Task<FinishSessionOutput> RunAsync(TaskActivityContext context, FinishSessionInput input) => FinishAsync(blobs, options.Value.ContainerName, input);

    /// <summary>The finish, also made by <see cref="SaveSessionSnapshot"/> when the drain ends after its save.</summary>
    public static async Task<FinishSessionOutput> FinishAsync(BlobSessionStore blobs, string containerName, FinishSessionInput input)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(input);
        var savedTo = $"{containerName}/{BlobSessionStore.SessionBlobName(input.SessionId)}";
        var session = await Outage.GuardAsync($"finishing session {input.SessionId}", blobs.Container.Uri,
            () => blobs.CompleteAsync(input.SessionId, input.CompletedAt, session => SummaryReport.Render(session, savedTo)));
        DrainSpans.RecordSession(session);
        return new FinishSessionOutput(BlobSessionStore.SessionBlobName(input.SessionId), BlobSessionStore.SummaryBlobName(input.SessionId));
    }
}
