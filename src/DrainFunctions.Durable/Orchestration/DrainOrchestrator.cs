using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The drain loop as a durable orchestration. Deterministic: time from
/// <see cref="TaskOrchestrationContext.CurrentUtcDateTime"/>, attempt ids from
/// <see cref="AttemptIds"/> (not the clock), all I/O in activities. It carries only the
/// compact policy state and continues as new every <see cref="DrainOrchestrationInput.PhasesPerGeneration"/>
/// phases so that its history stays bounded. Each phase is one <see cref="PhaseAttemptFlow"/>.
/// </summary>
public sealed class DrainOrchestrator : TaskOrchestrator<DrainOrchestrationInput, DrainSummaryOutput>
{
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
        private readonly CancelWatch cancel;
        private readonly StorageCalls calls;
        private readonly PhaseAttemptFlow phaseAttempt;
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
            cancel = new CancelWatch(context);
            calls = new StorageCalls(context, log, () => Publish(null), input.OutageToleranceMinutes);
            phaseAttempt = new PhaseAttemptFlow(context, new PhaseAttemptSettings(sessionId, options, input.GraceSeconds, budgetDeadline), calls, cancel);
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
            var stop = StopDecision.GoOn;

            // Bounded: every pass either ends the session, continues as new, or drains one phase.
            for (var pass = 0; pass <= perGeneration; pass++)
            {
                stop = DrainLoopRules.BeforePhase(Processed, options, started, Now, cancel.Check()?.Mode);
                if (stop.Stops)
                {
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
                    stop = new StopDecision(SessionStop.LockLost, $"\n[LOCK] {heldBy} - stopping");
                    break;
                }

                log.Add(ProgressLines.Selecting(Processed, options.BatchSize));
                var selection = await calls.CallAsync<SelectNextPhaseOutput>(
                    nameof(SelectNextPhase),
                    new SelectNextPhaseInput(ProcessedKeyGroups.WithoutKeys(state), options, sessionId) { ProcessedByRun = ProcessedKeyGroups.Group(state.ProcessedKeys) });
                log.AddRange(selection.Lines);
                if (selection.Selected is not { } phase)
                {
                    stop = new StopDecision(DrainLoopRules.NoPick(selection.NoPick));
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
                var attemptId = AttemptIds.For(input.LockToken ?? context.InstanceId, sessionId, state.TotalProcessed, phase.Key);
                var (result, winner) = await phaseAttempt.RunAsync(phase, attemptId);
                var book = PolicyBookkeeper.Record(state, result, options);
                log.AddRange(ProgressLines.AfterPhase(result, book));
                await SaveAsync(result, state.TotalProcessed - 1);
                if (options.LedgerEnabled)
                {
                    await calls.CallAsync<RecordLedgerEntryOutput>(nameof(RecordLedgerEntry), new RecordLedgerEntryInput
                    {
                        SessionId = sessionId,
                        Result = result,
                        RunStopped = state.StoppedRuns.Contains(result.RunId),
                        FingerprintStopped = result.FailureFingerprint is { } fp && state.StoppedFingerprints.Contains(fp),
                    });
                }

                currentPhase = null;
                Publish(null);

                stop = DrainLoopRules.AfterPhase(winner, book, options);
                if (stop.Stops)
                {
                    break;
                }
            }

            if (!stop.Stops)
            {
                return ContinueAsNew();
            }

            if (stop.Line is not null)
            {
                log.Add(stop.Line);
            }

            if (!options.DryRun)
            {
                await calls.CallAsync<FinishSessionOutput>(nameof(FinishSession), new FinishSessionInput(sessionId, Iso8601.Format(Now)));
                if (stop.Stop != SessionStop.LockLost)
                {
                    await ReleaseLockAsync();
                }
            }

            Publish(stop.Stop.ToString());
            return Output(stop.Stop.ToString(), stop.Line);
        }

        /// <summary>Renews the drain lock when its hold runs short; returns who holds it when this drain lost it.</summary>
        private async Task<string?> RenewLockAsync()
        {
            if (options.DryRun || input.LockToken is not { } token || !DrainLease.NeedsRenewal(Now, lockExpires, options, input.GraceSeconds))
            {
                return null;
            }

            var renewal = await calls.CallAsync<RenewDrainLockOutput>(
                nameof(RenewDrainLock),
                new RenewDrainLockInput(token, sessionId, context.InstanceId, DrainLease.Ttl(options, input.GraceSeconds).TotalSeconds));
            lockExpires = renewal.ExpiresAt;
            return renewal.Held ? null : renewal.HeldBy;
        }

        private async Task ReleaseLockAsync()
        {
            if (!options.DryRun && input.LockToken is { } token)
            {
                await calls.CallAsync<ReleaseDrainLockOutput>(nameof(ReleaseDrainLock), new ReleaseDrainLockInput(token));
            }
        }

        private async Task SaveAsync(DrainResult? result, int index)
        {
            // The header needs no processed keys; leaving them out keeps the payload small.
            var header = state.Clone();
            header.ProcessedKeys.Clear();
            header.RunTimeouts.Clear();
            header.PriorAttempts.Clear();
            await calls.CallAsync<SaveSessionSnapshotOutput>(nameof(SaveSessionSnapshot), new SaveSessionSnapshotInput
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
