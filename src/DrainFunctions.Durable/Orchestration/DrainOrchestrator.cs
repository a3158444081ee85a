using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The drain loop as a durable orchestration. Deterministic: time from
/// <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, ids from
/// <see cref="TaskOrchestrationContext.NewGuid"/>, all I/O in activities. It carries only the
/// compact policy state and continues as new every <see cref="DrainOrchestrationInput.PhasesPerGeneration"/>
/// phases so that its history stays bounded.
/// </summary>
public sealed class DrainOrchestrator : TaskOrchestrator<DrainOrchestrationInput, DrainSummaryOutput>
{
    /// <summary>
    /// Quick retries for the activities that only touch the database or storage (not the
    /// executor); an outage is then waited out by the orchestrator's own durable backoff.
    /// </summary>
    public static readonly TaskOptions StorageRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(15)));

    private const int MaxRaceRounds = 10_000;

    private static readonly TimeSpan FirstOutageDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxOutageDelay = TimeSpan.FromSeconds(60);

    private static TimeSpan NextOutageDelay(TimeSpan delay) => delay * 2 > MaxOutageDelay ? MaxOutageDelay : delay * 2;

    public override async Task<DrainSummaryOutput> RunAsync(TaskOrchestrationContext context, DrainOrchestrationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        input ??= new DrainOrchestrationInput();
        var run = new Run(context, input);
        try
        {
            return await run.ExecuteAsync();
        }
        catch (TaskFailedException ex)
        {
            // Never an empty failure: say which step failed and why.
            var details = ex.FailureDetails;
            throw new DrainStoppedException($"{details?.ErrorType ?? "activity"} failed: {(string.IsNullOrWhiteSpace(details?.ErrorMessage) ? ex.Message : details.ErrorMessage)}");
        }
    }

    /// <summary>One generation of the orchestration (between two ContinueAsNew).</summary>
    private sealed class Run
    {
        private readonly TaskOrchestrationContext context;
        private readonly DrainOrchestrationInput input;
        private readonly DrainOptions options;
        private readonly DateTimeOffset started;
        private readonly string sessionId;
        private readonly PolicyState state;
        private readonly List<string> picks;
        private readonly LineLog log;
        private readonly DateTimeOffset? budgetDeadline;
        private Task<CancelRequest> cancelEvent;
        private CancelRequest? cancelRequested;
        private string? currentPhase;
        private DateTimeOffset? lockExpires;

        public Run(TaskOrchestrationContext context, DrainOrchestrationInput input)
        {
            this.context = context;
            this.input = input;
            options = input.Options ?? new DrainOptions();
            started = input.StartedAt ?? new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
            sessionId = input.SessionId ?? SessionIds.FromStart(started);
            state = input.State ?? new PolicyState();
            state.ProcessedKeys.UnionWith(ProcessedKeyGroups.Expand(input.ProcessedByRun));
            picks = [.. input.DryRunPicks ?? []];
            if (options.DryRun)
            {
                state.ProcessedKeys.UnionWith(picks);
            }

            log = new LineLog(input.LineSequence, input.RecentLines ?? []);
            budgetDeadline = PolicyBookkeeper.BudgetDeadline(options, started);
            lockExpires = input.LockExpiresAt;
            cancelEvent = context.WaitForExternalEvent<CancelRequest>(CancelRequest.EventName);
        }

        private DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

        private int Processed => options.DryRun ? picks.Count : state.TotalProcessed;

        public async Task<DrainSummaryOutput> ExecuteAsync()
        {
            // Options are validated by the starter too; an invalid set ends the run before anything is touched.
            if (options.Validate() is { Count: > 0 } errors)
            {
                var line = "Invalid options: " + string.Join("; ", errors.Select(e => $"{e.FlagName} {e.Message}"));
                log.Add(line);
                await ReleaseLockAsync();
                Publish("InvalidOptions");
                return Output("InvalidOptions", line) with { SessionBlob = null };
            }

            // Generation 0 starts the session (its id may be given: the HTTP API uses it as the instance id).
            if (input.Generation == 0)
            {
                log.AddRange(ProgressLines.Banner(sessionId, options));
                if (!options.DryRun)
                {
                    await SaveAsync(result: null, index: 0);
                }
            }

            var perGeneration = Math.Max(1, input.PhasesPerGeneration);
            var phasesThisGeneration = 0;
            var stop = SessionStop.None;
            string? stopLine = null;

            // Bounded: every pass either ends the session, continues as new, or drains one phase.
            for (var pass = 0; pass <= perGeneration; pass++)
            {
                NoteCancel();
                if (cancelRequested is not null)
                {
                    stop = SessionStop.Cancelled;
                    stopLine = $"\n[CANCELLED] Cancel requested ({cancelRequested.Mode}) - stopping";
                    break;
                }

                if (Processed >= options.BatchSize)
                {
                    stop = SessionStop.BatchComplete;
                    break;
                }

                if (PolicyBookkeeper.IsBudgetSpent(options, started, Now))
                {
                    stop = SessionStop.TimeLimit;
                    stopLine = PolicyBookkeeper.TimeLimitLine(options);
                    break;
                }

                if (phasesThisGeneration >= perGeneration)
                {
                    return ContinueAsNew();
                }

                // One drain per database: the hold is renewed between phases; a drain that finds
                // another one holding it (its own host was gone past the hold) stops before picking.
                if (await RenewLockAsync() is { } heldBy)
                {
                    stop = SessionStop.LockLost;
                    stopLine = $"\n[LOCK] {heldBy} - stopping";
                    break;
                }

                log.Add(ProgressLines.Selecting(Processed, options.BatchSize));
                var selection = await CallAsync<SelectNextPhaseOutput>(
                    nameof(SelectNextPhase),
                    new SelectNextPhaseInput(ProcessedKeyGroups.WithoutKeys(state), options, sessionId) { ProcessedByRun = ProcessedKeyGroups.Group(state.ProcessedKeys) });
                log.AddRange(selection.Lines);
                if (selection.Selected is not { } phase)
                {
                    stop = selection.NoPick == NoPickReason.BacklogEmpty ? SessionStop.BacklogEmpty : SessionStop.NoEligiblePhases;
                    break;
                }

                phasesThisGeneration++;
                if (options.DryRun)
                {
                    // Nothing is touched: no executor, no database write, no session blob.
                    log.Add(ProgressLines.WouldDrain(phase));
                    picks.Add(phase.Key);
                    log.AddRange(PolicyBookkeeper.RecordDryRunPick(state, phase, options));
                    Publish(null);
                    continue;
                }

                log.Add(ProgressLines.Draining(phase));
                currentPhase = phase.Key;
                Publish(null);
                var (result, interrupt) = await DrainOneAsync(phase);
                var book = PolicyBookkeeper.Record(state, result, options);
                log.AddRange(ProgressLines.AfterPhase(result, book));
                await SaveAsync(result, state.TotalProcessed - 1);
                if (options.LedgerEnabled)
                {
                    await CallAsync<RecordLedgerEntryOutput>(nameof(RecordLedgerEntry), new RecordLedgerEntryInput
                    {
                        SessionId = sessionId,
                        Result = result,
                        RunStopped = state.StoppedRuns.Contains(result.RunId),
                        FingerprintStopped = result.FailureFingerprint is { } fp && state.StoppedFingerprints.Contains(fp),
                    });
                }

                currentPhase = null;
                Publish(null);

                if (interrupt == SessionStop.TimeLimit)
                {
                    stop = SessionStop.TimeLimit;
                    stopLine = PolicyBookkeeper.TimeLimitLine(options);
                    break;
                }

                if (interrupt == SessionStop.Cancelled)
                {
                    stop = SessionStop.Cancelled;
                    stopLine = "\n[CANCELLED] Cancel requested (now) - current phase stopped and restored";
                    break;
                }

                if (book.Stop == SessionStop.ZeroYieldLimit)
                {
                    stop = book.Stop;
                    break;
                }
            }

            if (stop == SessionStop.None)
            {
                return ContinueAsNew();
            }

            if (stopLine is not null)
            {
                log.Add(stopLine);
            }

            if (!options.DryRun)
            {
                await CallAsync<FinishSessionOutput>(nameof(FinishSession), new FinishSessionInput(sessionId, Iso8601.Format(Now)));
                if (stop != SessionStop.LockLost)
                {
                    await ReleaseLockAsync();
                }
            }

            Publish(stop.ToString());
            return Output(stop.ToString(), stopLine);
        }

        /// <summary>Renews the drain lock when its hold runs short; returns who holds it when this drain lost it.</summary>
        private async Task<string?> RenewLockAsync()
        {
            if (options.DryRun || input.LockToken is not { } token || !DrainLease.NeedsRenewal(Now, lockExpires, options, input.GraceSeconds))
            {
                return null;
            }

            var renewal = await CallAsync<RenewDrainLockOutput>(
                nameof(RenewDrainLock),
                new RenewDrainLockInput(token, sessionId, context.InstanceId, DrainLease.Ttl(options, input.GraceSeconds).TotalSeconds));
            lockExpires = renewal.ExpiresAt;
            return renewal.Held ? null : renewal.HeldBy;
        }

        private async Task ReleaseLockAsync()
        {
            if (!options.DryRun && input.LockToken is { } token)
            {
                await CallAsync<ReleaseDrainLockOutput>(nameof(ReleaseDrainLock), new ReleaseDrainLockInput(token));
            }
        }

        private void NoteCancel()
        {
            if (cancelRequested is null && cancelEvent.IsCompletedSuccessfully)
            {
                cancelRequested = cancelEvent.Result ?? new CancelRequest(CancelRequest.Graceful);
            }
        }

        /// <summary>
        /// Runs one phase: the executor activity raced with the durable timer (deadline + grace),
        /// the budget deadline and a cancel; then, once nothing of the attempt runs any more, the
        /// phase's real state decides the result (<see cref="SettlePhaseOutcome"/>). Returns the
        /// result and whether the session must stop.
        /// </summary>
        private async Task<(DrainResult Result, SessionStop Interrupt)> DrainOneAsync(PhaseCandidate phase)
        {
            var before = await CallAsync<TelemetrySnapshotOutput>(nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(null));
            var attemptId = context.NewGuid().ToString("N");
            var start = Now;
            var race = await RaceExecutorAsync(phase, attemptId);
            var output = race.Output;
            var interrupt = race.InterruptedBy switch
            {
                "budget" => SessionStop.TimeLimit,
                "cancel" => SessionStop.Cancelled,
                _ => SessionStop.None,
            };

            // Not run at all: nothing to settle.
            if (output?.Status == PhaseRunStatus.NotFound)
            {
                return (Tag(DrainResults.NotFound(phase, Now), attemptId), interrupt);
            }

            if (output?.Status == PhaseRunStatus.RequeueConflict)
            {
                var conflict = DrainResults.Interrupted(phase, output.CurrentState ?? string.Empty, "requeue_conflict",
                    $"Phase was {output.CurrentState} (not FAILED) when the drain tried to re-queue it; not run", null, Now);
                return (Tag(conflict, attemptId), interrupt);
            }

            var timedOut = race.TimedOut || output?.Status == PhaseRunStatus.TimedOut;
            var reason = timedOut ? RestoreReasons.Timeout(options.PhaseTimeoutSeconds) : RestoreReasons.Original(phase);
            if (race.TimedOut || race.InterruptedBy is not null)
            {
                // The attempt may still run (its activity overstayed, or the drain must stop): stop it everywhere.
                await CallAsync<RestorePhaseOutput>(nameof(RestorePhase), new RestorePhaseInput(sessionId, attemptId, phase.RunId, phase.PhaseId, reason));
            }

            var settled = await CallAsync<SettlePhaseOutcomeOutput>(nameof(SettlePhaseOutcome), new SettlePhaseOutcomeInput
            {
                SessionId = sessionId,
                AttemptId = attemptId,
                RunId = phase.RunId,
                PhaseId = phase.PhaseId,
                WaitForSettle = output is { Status: PhaseRunStatus.Completed, ReturnCode: 0 } or { Status: PhaseRunStatus.Adopted, AdoptedProcesses: > 0 },
                RestoreReason = reason,
            });

            var after = await CallAsync<TelemetrySnapshotOutput>(nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(null));
            long? delta = before.Count is { } b && after.Count is { } a ? a - b : null;
            var now = Now;
            var elapsed = Math.Round((now - start).TotalSeconds, 3);
            var result = Decide(phase, attemptId, race, settled, timedOut, delta, elapsed, now);
            return (Tag(result, attemptId), interrupt);
        }

        private static DrainResult Tag(DrainResult result, string attemptId)
        {
            result.AttemptId = attemptId;
            return result;
        }

        /// <summary>
        /// The result from what happened and what the database says. When the drain restored the
        /// phase (it was left QUEUED/EXECUTING), the attempt is what the drain saw (timeout,
        /// interruption, lost); otherwise the phase settled itself and its state is the outcome.
        /// </summary>
        private DrainResult Decide(PhaseCandidate phase, string attemptId, RaceOutcome race, SettlePhaseOutcomeOutput settled, bool timedOut, long? delta, double elapsed, DateTimeOffset now)
        {
            var output = race.Output;
            if (!settled.Found)
            {
                return DrainResults.NotFound(phase, now);
            }

            if (output is { Status: PhaseRunStatus.Completed })
            {
                // The executor exited by itself: its return code and the settled state, as the Python tool did.
                return Completed(phase, output, settled, delta, now);
            }

            // Nothing ran: whatever the phase's state, it says nothing about this attempt.
            var neverStarted = output?.NeverStarted ?? !(settled.Stage is { } stage && AttemptStages.MayHaveStarted(stage));
            if (neverStarted)
            {
                var what = race.InterruptedBy switch
                {
                    "budget" => string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {options.MaxTotalMinutes:0.##} minutes reached before the executor started"),
                    "cancel" => "Interrupted: cancel requested (now) before the executor started",
                    _ when race.Failure is { } failure => $"Executor activity failed before the executor started: {failure}",
                    _ when race.TimedOut => $"Attempt {attemptId}: the executor did not start before the phase's deadline",
                    _ => $"Attempt {attemptId} was interrupted before its executor started (the drain's host stopped)",
                };
                var tail = settled.Restored ? "; phase restored to FAILED" : $"; the phase was left {settled.State}";
                return DrainResults.Interrupted(phase, PhaseStates.Failed, race.InterruptedBy ?? "lost", what + tail, elapsed, now);
            }

            if (!settled.Restored)
            {
                return FromPhaseState(phase, output, settled, delta, elapsed, now);
            }

            if (race.InterruptedBy is { } by)
            {
                var message = by == "budget"
                    ? string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {options.MaxTotalMinutes:0.##} minutes reached; phase stopped and restored to FAILED")
                    : "Interrupted: cancel requested (now); phase stopped and restored to FAILED";
                return DrainResults.Interrupted(phase, PhaseStates.Failed, by, message, elapsed, now);
            }

            if (timedOut)
            {
                var partial = new PhaseOutcome
                {
                    FinalState = PhaseStates.Timeout,
                    Stdout = output?.StdoutExcerpt ?? string.Empty,
                    Stderr = output?.StderrExcerpt ?? string.Empty,
                    StdoutPath = output?.StdoutPath is { Length: > 0 } so ? so : BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stdout"),
                    StderrPath = output?.StderrPath is { Length: > 0 } se ? se : BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stderr"),
                    DurationSeconds = output?.DurationSeconds is > 0 and var d ? d : elapsed,
                    TelemetryDelta = delta,
                };
                return DrainResults.TimedOut(phase, PhaseStates.Failed, options.PhaseTimeoutSeconds, partial, now);
            }

            if (output is { Status: PhaseRunStatus.Stopped })
            {
                return DrainResults.Interrupted(phase, PhaseStates.Failed, "cancel", "Interrupted: executor stopped from outside; phase restored to FAILED", output.DurationSeconds, now);
            }

            if (output is { Adopted: true })
            {
                return DrainResults.Interrupted(phase, PhaseStates.Failed, "lost", LostMessage(attemptId, output, settled.State), null, now);
            }

            return DrainResults.Interrupted(phase, PhaseStates.Failed, "lost", $"Executor activity failed: {race.Failure}; phase restored to FAILED", elapsed, now);
        }

        /// <summary>What a lost attempt was, in the words of what happened; said only when the drain restored the phase.</summary>
        private static string LostMessage(string attemptId, RunPhaseExecutorOutput output, string seenState) => output switch
        {
            { ElsewhereOn: { } machine } =>
                $"Attempt {attemptId} ran on {machine}, whose drain host stopped; its processes could not be followed from here and the phase was still {seenState} at its deadline; phase restored to FAILED",
            { AdoptedProcesses: > 0 } =>
                $"Attempt {attemptId} was interrupted: the drain's host stopped while the executor ran; the executor, adopted after the restart, ended without settling the phase (still {seenState}, return code unknown); phase restored to FAILED",
            _ =>
                $"Attempt {attemptId} was interrupted: the drain's host stopped while the executor ran and no process of the attempt was left after the restart; the phase was still {seenState}; phase restored to FAILED",
        };

        private static DrainResult Completed(PhaseCandidate phase, RunPhaseExecutorOutput output, SettlePhaseOutcomeOutput settled, long? delta, DateTimeOffset now)
        {
            var outcome = new PhaseOutcome
            {
                FinalState = settled.State,
                LastFailureReason = settled.LastFailureReason,
                ReturnCode = output.ReturnCode,
                Stdout = output.StdoutExcerpt,
                Stderr = output.StderrExcerpt,
                StdoutPath = output.StdoutPath,
                StderrPath = output.StderrPath,
                DurationSeconds = output.DurationSeconds,
                TelemetryDelta = delta,
            };
            var result = DrainResults.Completed(phase, output.InitialState, outcome, now);

            // The excerpts are cut at 500 characters; the markers were looked for in the full output.
            var markers = output.ReachedLlmBoundary ? "max_turns" : output.FailedBeforeLlm ? "validation error" : string.Empty;
            result.ReachedLlmBoundary = output.ReachedLlmBoundary;
            result.ZeroYieldReason = ResultClassifier.ZeroYieldReason(result.Success, output.ReturnCode, delta, markers, string.Empty);
            return result;
        }

        /// <summary>
        /// The phase settled itself (COMPLETE, FAILED, ...) while the drain could not see the
        /// executor end (adopted after a restart, stopped, timed out just after it finished): its
        /// state is the outcome; the return code is unknown.
        /// </summary>
        private DrainResult FromPhaseState(PhaseCandidate phase, RunPhaseExecutorOutput? output, SettlePhaseOutcomeOutput settled, long? delta, double elapsed, DateTimeOffset now)
        {
            var outcome = new PhaseOutcome
            {
                FinalState = settled.State,
                LastFailureReason = settled.LastFailureReason,
                ReturnCode = null,
                Stdout = output?.StdoutExcerpt ?? string.Empty,
                Stderr = output?.StderrExcerpt ?? string.Empty,
                StdoutPath = output?.StdoutPath is { Length: > 0 } so ? so : BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stdout"),
                StderrPath = output?.StderrPath is { Length: > 0 } se ? se : BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stderr"),
                DurationSeconds = output?.DurationSeconds is > 0 and var d ? d : elapsed,
                TelemetryDelta = delta,
            };
            var result = DrainResults.Completed(phase, PhaseStates.Failed, outcome, now);
            if (!result.Success && string.IsNullOrEmpty(settled.LastFailureReason))
            {
                // The return-code rules ("exit 0 but ...") would claim an exit nobody saw.
                result.ErrorMessage = $"Phase ended {settled.State} without a failure reason (executor return code unknown)";
                result.FailureFingerprint = Core.Fingerprints.FailureFingerprint.Compute(result.FinalState, null, result.ErrorMessage);
            }

            if (output is not null)
            {
                result.ReachedLlmBoundary = output.ReachedLlmBoundary;
            }

            return result;
        }

        /// <summary>How the executor's race ended.</summary>
        private sealed class RaceOutcome
        {
            public RunPhaseExecutorOutput? Output { get; set; }

            /// <summary>The activity failed for good (not an outage): what failed.</summary>
            public string? Failure { get; set; }

            /// <summary>The durable timer (deadline + grace) won.</summary>
            public bool TimedOut { get; set; }

            /// <summary><c>budget</c> or <c>cancel</c> (now) stopped the phase.</summary>
            public string? InterruptedBy { get; set; }
        }

        /// <summary>
        /// The executor activity against the durable timer at deadline + grace, the budget, and a
        /// cancel. An activity that failed before starting anything because the database or
        /// storage is unreachable is called again (same attempt: it cannot start twice) after a
        /// durable backoff, with a new deadline; the phase timer does not run meanwhile.
        /// </summary>
        private async Task<RaceOutcome> RaceExecutorAsync(PhaseCandidate phase, string attemptId)
        {
            var outcome = new RaceOutcome();
            var timeout = TimeSpan.FromSeconds(options.PhaseTimeoutSeconds);
            var grace = TimeSpan.FromSeconds(Math.Max(0, input.GraceSeconds));
            using var timers = new CancellationTokenSource();
            var authority = default(DateTimeOffset);
            Task<RunPhaseExecutorOutput>? runTask = null;
            Task? phaseTimer = null;
            Task? retryTimer = null;
            DateTimeOffset? outageSince = null;
            var retryDelay = FirstOutageDelay;

            void Start()
            {
                var deadline = Now + timeout;
                authority = deadline + grace;

                // Not retried by the engine: a redelivery is recognized by the attempt id instead.
                runTask = context.CallActivityAsync<RunPhaseExecutorOutput>(nameof(RunPhaseExecutor), new RunPhaseExecutorInput
                {
                    SessionId = sessionId,
                    AttemptId = attemptId,
                    Phase = phase,
                    Deadline = deadline,
                    TimeoutSeconds = options.PhaseTimeoutSeconds,
                    ApiUrl = options.ApiUrl,
                });
                phaseTimer = context.CreateTimer(authority.UtcDateTime, timers.Token);
            }

            Start();
            var budgetTimer = budgetDeadline is { } budget ? context.CreateTimer(budget.UtcDateTime, timers.Token) : null;
            var watchCancel = cancelRequested?.IsNow != true;
            var decided = false;

            // Bounded: an early timer is re-armed at most a few times, outages end or stop the drain.
            for (var round = 0; round < MaxRaceRounds && !decided; round++)
            {
                var race = new List<Task>();
                if (runTask is not null)
                {
                    race.Add(runTask);
                    race.Add(phaseTimer!);
                }
                else
                {
                    race.Add(retryTimer!);
                }

                if (budgetTimer is not null)
                {
                    race.Add(budgetTimer);
                }

                if (watchCancel)
                {
                    race.Add(cancelEvent);
                }

                var winner = await Task.WhenAny(race);
                if (winner == runTask)
                {
                    try
                    {
                        outcome.Output = await runTask;
                        decided = true;
                    }
                    catch (TaskFailedException ex) when (Outage.IsOutage(ex) && !OutageTooLong(ref outageSince))
                    {
                        var message = ex.FailureDetails.ErrorMessage;
                        WaitLine(message, retryDelay);
                        retryTimer = context.CreateTimer((Now + retryDelay).UtcDateTime, timers.Token);
                        retryDelay = NextOutageDelay(retryDelay);
                        runTask = null;
                    }
                    catch (TaskFailedException ex)
                    {
                        outcome.Failure = Describe(nameof(RunPhaseExecutor), ex);
                        decided = true;
                    }

                    continue;
                }

                if (winner == retryTimer)
                {
                    retryTimer = null;
                    Start();
                    continue;
                }

                if (winner == phaseTimer)
                {
                    // A timer may fire up to a second early (Azure Storage): wait until the deadline really passed.
                    if (Now >= authority)
                    {
                        decided = outcome.TimedOut = true;
                        break;
                    }

                    phaseTimer = context.CreateTimer(authority.UtcDateTime, timers.Token);
                    continue;
                }

                if (winner == budgetTimer)
                {
                    if (Now >= budgetDeadline!.Value)
                    {
                        decided = true;
                        outcome.InterruptedBy = "budget";
                        break;
                    }

                    budgetTimer = context.CreateTimer(budgetDeadline.Value.UtcDateTime, timers.Token);
                    continue;
                }

                // The cancel event. A graceful one lets the phase finish, but a later "now" (a
                // second Ctrl-C) must still stop it, so the orchestration listens again.
                var request = cancelEvent.Result ?? new CancelRequest(CancelRequest.Graceful);
                cancelRequested = request.IsNow || cancelRequested is null ? request : cancelRequested;
                if (request.IsNow)
                {
                    decided = true;
                    outcome.InterruptedBy = "cancel";
                    break;
                }

                cancelEvent = context.WaitForExternalEvent<CancelRequest>(CancelRequest.EventName);
            }

            if (!decided)
            {
                outcome.TimedOut = true;
            }

            // Cancel the losing timers, or the instance stays open until they fire. Synchronously:
            // CancelAsync would resume this method off the orchestration's thread.
#pragma warning disable CA1849 // Call async methods when in an async method
            timers.Cancel();
#pragma warning restore CA1849
            return outcome;
        }

        /// <summary>
        /// Calls an activity that touches only the database or storage. A failure for good is
        /// retried a few times, then stops the drain with a message naming what failed; an outage
        /// (unreachable database or storage) pauses the drain on durable timers, with a progress
        /// line, until it ends or lasts longer than <see cref="DrainOrchestrationInput.OutageToleranceMinutes"/>.
        /// </summary>
        private async Task<T> CallAsync<T>(string activity, object activityInput)
        {
            DateTimeOffset? outageSince = null;
            var delay = FirstOutageDelay;

            // Bounded: the tolerance ends any outage long before this many waits.
            for (var attempt = 0; attempt < MaxRaceRounds; attempt++)
            {
                try
                {
                    var result = await context.CallActivityAsync<T>(activity, activityInput, StorageRetry);
                    if (outageSince is not null)
                    {
                        log.Add(string.Create(CultureInfo.InvariantCulture, $"  [RESUMED] reachable again after {(Now - outageSince.Value).TotalSeconds:0}s"));
                        Publish(null);
                    }

                    return result;
                }
                catch (TaskFailedException ex) when (Outage.IsOutage(ex))
                {
                    if (OutageTooLong(ref outageSince))
                    {
                        throw new DrainStoppedException(string.Create(CultureInfo.InvariantCulture,
                            $"{ex.FailureDetails.ErrorMessage} - still unreachable after {input.OutageToleranceMinutes:0.##} minutes of retries; the drain stopped (resume it with --resume)"));
                    }

                    WaitLine(ex.FailureDetails.ErrorMessage, delay);
                    await context.CreateTimer((Now + delay).UtcDateTime, CancellationToken.None);
                    delay = NextOutageDelay(delay);
                }
                catch (TaskFailedException ex)
                {
                    throw new DrainStoppedException(Describe(activity, ex));
                }
            }

            throw new DrainStoppedException($"{activity}: the database or storage kept failing; the drain stopped (resume it with --resume)");
        }

        /// <summary>True when the outage that started at <paramref name="since"/> (now, if it is new) outlasted the tolerance.</summary>
        private bool OutageTooLong(ref DateTimeOffset? since)
        {
            since ??= Now;
            return (Now - since.Value).TotalMinutes >= input.OutageToleranceMinutes;
        }

        private void WaitLine(string message, TimeSpan delay)
        {
            log.Add(string.Create(CultureInfo.InvariantCulture, $"  [WAIT] {message}; retrying in {delay.TotalSeconds:0}s"));
            Publish(null);
        }

        private static string Describe(string activity, TaskFailedException ex)
        {
            var details = ex.FailureDetails;
            var message = string.IsNullOrWhiteSpace(details?.ErrorMessage) ? ex.Message : details.ErrorMessage;
            return $"{activity} failed: {details?.ErrorType ?? "error"}: {message}";
        }

        private async Task SaveAsync(DrainResult? result, int index)
        {
            // The header needs no processed keys; leaving them out keeps the payload small.
            var header = state.Clone();
            header.ProcessedKeys.Clear();
            header.RunTimeouts.Clear();
            header.PriorAttempts.Clear();
            await CallAsync<SaveSessionSnapshotOutput>(nameof(SaveSessionSnapshot), new SaveSessionSnapshotInput
            {
                SessionId = sessionId,
                StartedAt = Iso8601.Format(started),
                BatchSize = options.BatchSize,
                State = header,
                Result = result,
                ResultIndex = index,
            });
        }

        private void Publish(string? stop) => context.SetCustomStatus(new DrainStatus
        {
            SessionId = sessionId,
            Processed = Processed,
            BatchSize = options.BatchSize,
            CurrentPhase = currentPhase,
            Success = state.TotalSuccess,
            Failed = state.TotalFailed,
            Timeouts = state.TotalTimeouts,
            TelemetryEvents = state.TotalTelemetryEvents,
            BudgetLeftSeconds = budgetDeadline is { } b ? Math.Max(0, Math.Round((b - Now).TotalSeconds, 1)) : null,
            DryRun = options.DryRun,
            Generation = input.Generation,
            Stop = stop,
            Lines = log.Snapshot(),
        });

        private DrainSummaryOutput ContinueAsNew()
        {
            Publish(null);
            // The processed keys travel grouped by run; in a dry run they are the picks, carried once.
            context.ContinueAsNew(input with
            {
                SessionId = sessionId,
                StartedAt = started,
                Generation = input.Generation + 1,
                LockExpiresAt = lockExpires,
                State = ProcessedKeyGroups.WithoutKeys(state),
                ProcessedByRun = options.DryRun ? [] : ProcessedKeyGroups.Group(state.ProcessedKeys),
                DryRunPicks = picks,
                LineSequence = log.Sequence,
                RecentLines = log.Snapshot(),
            }, preserveUnprocessedEvents: true);
            return Output("ContinuedAsNew", null);
        }

        private DrainSummaryOutput Output(string stop, string? stopLine) => new()
        {
            SessionId = sessionId,
            Stop = stop,
            StopLine = stopLine,
            DryRun = options.DryRun,
            TotalProcessed = state.TotalProcessed,
            TotalSuccess = state.TotalSuccess,
            TotalFailed = state.TotalFailed,
            TotalTimeouts = state.TotalTimeouts,
            TotalTelemetryEvents = state.TotalTelemetryEvents,
            StoppedRuns = [.. state.StoppedRuns],
            DryRunPicks = [.. picks],
            Generations = input.Generation + 1,
            SessionBlob = options.DryRun ? null : BlobSessionStore.SessionBlobName(sessionId),
        };
    }
}
