using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
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
    /// <summary>Retries for the activities that only touch the database or storage (not the executor).</summary>
    public static readonly TaskOptions StorageRetry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(15)));

    private const int MaxRaceRounds = 1000;

    public override async Task<DrainSummaryOutput> RunAsync(TaskOrchestrationContext context, DrainOrchestrationInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        input ??= new DrainOrchestrationInput();
        var run = new Run(context, input);
        return await run.ExecuteAsync();
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
                var selection = await context.CallActivityAsync<SelectNextPhaseOutput>(
                    nameof(SelectNextPhase),
                    new SelectNextPhaseInput(ProcessedKeyGroups.WithoutKeys(state), options, sessionId) { ProcessedByRun = ProcessedKeyGroups.Group(state.ProcessedKeys) },
                    StorageRetry);
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
                    await context.CallActivityAsync<RecordLedgerEntryOutput>(nameof(RecordLedgerEntry), new RecordLedgerEntryInput
                    {
                        SessionId = sessionId,
                        Result = result,
                        RunStopped = state.StoppedRuns.Contains(result.RunId),
                        FingerprintStopped = result.FailureFingerprint is { } fp && state.StoppedFingerprints.Contains(fp),
                    }, StorageRetry);
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
                await context.CallActivityAsync<FinishSessionOutput>(
                    nameof(FinishSession), new FinishSessionInput(sessionId, Iso8601.Format(Now)), StorageRetry);
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

            var renewal = await context.CallActivityAsync<RenewDrainLockOutput>(
                nameof(RenewDrainLock),
                new RenewDrainLockInput(token, sessionId, context.InstanceId, DrainLease.Ttl(options, input.GraceSeconds).TotalSeconds),
                StorageRetry);
            lockExpires = renewal.ExpiresAt;
            return renewal.Held ? null : renewal.HeldBy;
        }

        private async Task ReleaseLockAsync()
        {
            if (!options.DryRun && input.LockToken is { } token)
            {
                await context.CallActivityAsync<ReleaseDrainLockOutput>(nameof(ReleaseDrainLock), new ReleaseDrainLockInput(token), StorageRetry);
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
        /// the budget deadline and a cancel. Returns the result and whether the session must stop.
        /// </summary>
        private async Task<(DrainResult Result, SessionStop Interrupt)> DrainOneAsync(PhaseCandidate phase)
        {
            var before = await context.CallActivityAsync<TelemetrySnapshotOutput>(
                nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(null), StorageRetry);
            var attemptId = context.NewGuid().ToString("N");
            var start = Now;
            var deadline = start + TimeSpan.FromSeconds(options.PhaseTimeoutSeconds);
            var authority = deadline + TimeSpan.FromSeconds(Math.Max(0, input.GraceSeconds));

            // Never retried: a redelivery is recognized by the attempt id instead.
            var runTask = context.CallActivityAsync<RunPhaseExecutorOutput>(nameof(RunPhaseExecutor), new RunPhaseExecutorInput
            {
                SessionId = sessionId,
                AttemptId = attemptId,
                Phase = phase,
                Deadline = deadline,
                TimeoutSeconds = options.PhaseTimeoutSeconds,
                ApiUrl = options.ApiUrl,
            });

            RunPhaseExecutorOutput? output = null;
            string? failure = null;
            var timedOut = false;
            string? interruptedBy = null;
            using (var timers = new CancellationTokenSource())
            {
                var phaseTimer = context.CreateTimer(authority.UtcDateTime, timers.Token);
                var budgetTimer = budgetDeadline is { } budget ? context.CreateTimer(budget.UtcDateTime, timers.Token) : null;
                var watchCancel = cancelRequested?.IsNow != true;
                var decided = false;

                // Bounded: an early timer is re-armed at most a few times.
                for (var round = 0; round < MaxRaceRounds && !decided; round++)
                {
                    var race = new List<Task> { runTask, phaseTimer };
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
                        decided = true;
                        try
                        {
                            output = await runTask;
                        }
                        catch (TaskFailedException ex)
                        {
                            failure = ex.FailureDetails?.ErrorMessage ?? ex.Message;
                        }

                        break;
                    }

                    if (winner == phaseTimer)
                    {
                        // A timer may fire up to a second early (Azure Storage): wait until the deadline really passed.
                        if (Now >= authority)
                        {
                            decided = timedOut = true;
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
                            interruptedBy = "budget";
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
                        interruptedBy = "cancel";
                        break;
                    }

                    cancelEvent = context.WaitForExternalEvent<CancelRequest>(CancelRequest.EventName);
                }

                if (!decided)
                {
                    timedOut = true;
                }

                // Cancel the losing timers, or the instance stays open until they fire. Synchronously:
                // CancelAsync would resume this method off the orchestration's thread.
#pragma warning disable CA1849 // Call async methods when in an async method
                timers.Cancel();
#pragma warning restore CA1849
            }

            if (output?.Status == PhaseRunStatus.TimedOut)
            {
                timedOut = true;
            }

            var needsRestore = timedOut || interruptedBy is not null || failure is not null || output?.Status == PhaseRunStatus.Stopped;
            if (needsRestore)
            {
                var reason = timedOut ? RestoreReasons.Timeout(options.PhaseTimeoutSeconds) : RestoreReasons.Original(phase);
                await context.CallActivityAsync<RestorePhaseOutput>(
                    nameof(RestorePhase), new RestorePhaseInput(sessionId, attemptId, phase.RunId, phase.PhaseId, reason), StorageRetry);
            }

            var after = await context.CallActivityAsync<TelemetrySnapshotOutput>(
                nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(null), StorageRetry);
            long? delta = before.Count is { } b && after.Count is { } a ? a - b : null;
            var now = Now;
            var elapsed = Math.Round((now - start).TotalSeconds, 3);
            DrainResult result;
            var interrupt = SessionStop.None;
            if (interruptedBy is not null)
            {
                var message = interruptedBy == "budget"
                    ? string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {options.MaxTotalMinutes:0.##} minutes reached; phase stopped and restored to FAILED")
                    : "Interrupted: cancel requested (now); phase stopped and restored to FAILED";
                result = DrainResults.Interrupted(phase, PhaseStates.Failed, interruptedBy, message, elapsed, now);
                interrupt = interruptedBy == "budget" ? SessionStop.TimeLimit : SessionStop.Cancelled;
            }
            else if (timedOut)
            {
                var stdoutPath = BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stdout");
                var stderrPath = BlobSessionStore.LogBlobName(sessionId, phase.RunId, phase.PhaseId, "stderr");
                var partial = new PhaseOutcome
                {
                    FinalState = PhaseStates.Timeout,
                    Stdout = output?.StdoutExcerpt ?? string.Empty,
                    Stderr = output?.StderrExcerpt ?? string.Empty,
                    StdoutPath = output?.StdoutPath is { Length: > 0 } so ? so : stdoutPath,
                    StderrPath = output?.StderrPath is { Length: > 0 } se ? se : stderrPath,
                    DurationSeconds = output?.DurationSeconds ?? elapsed,
                    TelemetryDelta = delta,
                };
                result = DrainResults.TimedOut(phase, PhaseStates.Failed, options.PhaseTimeoutSeconds, partial, now);
            }
            else if (failure is not null || output is null)
            {
                result = DrainResults.Interrupted(phase, PhaseStates.Failed, "lost", $"Executor activity failed: {failure}; phase restored to FAILED", elapsed, now);
            }
            else
            {
                result = output.Status switch
                {
                    PhaseRunStatus.NotFound => DrainResults.NotFound(phase, now),
                    PhaseRunStatus.RequeueConflict => DrainResults.Interrupted(phase, output.CurrentState ?? string.Empty, "requeue_conflict",
                        $"Phase was {output.CurrentState} (not FAILED) when the drain tried to re-queue it; not run", null, now),
                    PhaseRunStatus.Lost => DrainResults.Interrupted(phase, PhaseStates.Failed, "lost",
                        $"Attempt {attemptId} was lost: its activity was delivered again, the executor was not started twice; phase restored to FAILED", null, now),
                    PhaseRunStatus.Stopped => DrainResults.Interrupted(phase, PhaseStates.Failed, "cancel",
                        "Interrupted: executor stopped from outside; phase restored to FAILED", output.DurationSeconds, now),
                    _ => Completed(phase, output, delta, now),
                };
            }

            result.AttemptId = attemptId;
            return (result, interrupt);
        }

        private static DrainResult Completed(PhaseCandidate phase, RunPhaseExecutorOutput output, long? delta, DateTimeOffset now)
        {
            var outcome = new PhaseOutcome
            {
                FinalState = output.FinalState,
                LastFailureReason = output.LastFailureReason,
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

        private async Task SaveAsync(DrainResult? result, int index)
        {
            // The header needs no processed keys; leaving them out keeps the payload small.
            var header = state.Clone();
            header.ProcessedKeys.Clear();
            header.RunTimeouts.Clear();
            header.PriorAttempts.Clear();
            await context.CallActivityAsync<SaveSessionSnapshotOutput>(nameof(SaveSessionSnapshot), new SaveSessionSnapshotInput
            {
                SessionId = sessionId,
                StartedAt = Iso8601.Format(started),
                BatchSize = options.BatchSize,
                State = header,
                Result = result,
                ResultIndex = index,
            }, StorageRetry);
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
