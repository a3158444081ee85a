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
        private readonly PhaseAttemptSettings attemptSettings;
        private readonly SlotBoard board;

        /// <summary>The generation's shared phase and budget timers (null: one per attempt, see <see cref="DrainOrchestrationInput.SharedTimers"/>).</summary>
        private readonly GenerationTimers? timers;

        /// <summary>
        /// An attempt already started, until the next pick runs it: the first one, by the drain's
        /// starter, or the next one, by the executor call that recorded the last (<see cref="InlineRecord.Next"/>).
        /// </summary>
        private PrestartedAttempt? prestartedAttempt;
        private DateTimeOffset? lockExpires;

        /// <summary>Who took the drain lock over, when a renewal (made with a save) found it lost.</summary>
        private string? lockLostTo;

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
            timers = input.SharedTimers && !options.DryRun ? new GenerationTimers(context) : null;
            attemptSettings = new PhaseAttemptSettings(sessionId, options, input.GraceSeconds, budgetDeadline, timers);

            // A dry run starts nothing: its picks go one after the other.
            board = new SlotBoard(options.DryRun ? 1 : options.ParallelSlots(), state.TotalProcessed);
            prestartedAttempt = options.DryRun ? null : input.FirstAttempt;
        }

        private DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

        private int Processed => options.DryRun ? picks.Count : state.TotalProcessed;

        /// <summary>More than one slot: lines name their slot and phase, the status lists every phase in flight.</summary>
        private bool Parallel => board.Slots > 1;

        public async Task<DrainSummaryOutput> ExecuteAsync()
        {
            try
            {
                return await ExecuteGenerationAsync();
            }
            finally
            {
                // The generation ends (it continues as new, or the drain ends): its pending timers are let go.
                timers?.Dispose();
            }
        }

        private async Task<DrainSummaryOutput> ExecuteGenerationAsync()
        {
            // Options are validated by the starter too; an invalid set ends the run before anything is touched.
            if (options.Validate() is { Count: > 0 } errors)
            {
                var line = "Invalid options: " + string.Join("; ", errors.Select(e => $"{e.FlagName} {e.Message}"));
                log.Add(line);
                await ReleaseLockAsync(StopDecision.GoOn);
                Publish("InvalidOptions");
                return Output("InvalidOptions", line) with { SessionBlob = null };
            }

            // With K slots a generation holds K times as many phases: it must wait for every phase
            // in flight before it continues as new, so a small one would pause all slots often.
            var perGeneration = Math.Max(1, input.PhasesPerGeneration) * board.Slots;
            var startedThisGeneration = 0;
            var running = new List<(InFlightPhase Slot, PhaseAttemptFlow Flow, Task<PhaseAttemptOutcome> Attempt)>();

            // The next selection when it came with the last save (sequential drains: one round trip fewer a phase).
            SelectNextPhaseOutput? prefetched = null;

            // The last save, carried into the next generation when it selected that generation's first phase.
            SaveSessionSnapshotOutput? lastSave = null;

            // Generation 0 starts the session (its id may be given: the HTTP API uses it as the instance id).
            if (input.Generation == 0)
            {
                log.AddRange(ProgressLines.Banner(sessionId, options));
            }

            if (!options.DryRun)
            {
                // Made by the starter before it scheduled the drain, or by the previous generation's last
                // save: one round trip fewer before this generation's first phase.
                var first = input.FirstSave ?? (input.Generation == 0
                    ? await calls.CallAsync<SaveSessionSnapshotOutput>(nameof(SaveSessionSnapshot), SaveSessionSnapshotInput.First(input, sessionId, started, context.InstanceId, Now, cancel.Check()?.Mode))
                    : null);
                if (first?.Lock is { } renewal)
                {
                    Renewed(renewal);
                }

                prefetched = first?.Selection;
                lastSave = first;
            }

            // Bounded: every pass starts a phase, ends one, or ends the loop.
            for (var pass = 0; pass <= (2 * perGeneration) + 2; pass++)
            {
                // Fill the free slots, one pick at a time, each seeing every result recorded so far.
                while (board.MayPick || prestartedAttempt is not null)
                {
                    // An attempt started already runs: its phase is picked whatever the checks say (a
                    // stop decided meanwhile applies after it; the save that picked it renewed the lock).
                    var prestarted = TakePrestarted();
                    if (prestarted is null && board.BeforePick(Processed, options, started, Now, cancel.Check()?.Mode).Stops)
                    {
                        break;
                    }

                    if (prestarted is null && startedThisGeneration >= perGeneration)
                    {
                        board.Pause();
                        break;
                    }

                    // One drain per database: the hold is renewed between phases; a drain that finds
                    // another one holding it (its own host was gone past the hold) stops before picking.
                    if (prestarted is null && await RenewLockAsync() is { } heldBy)
                    {
                        board.StopPicking(new StopDecision(SessionStop.LockLost, $"\n[LOCK] {heldBy} - stopping"));
                        break;
                    }

                    log.Add(ProgressLines.Selecting(Processed + board.InFlight.Count, options.BatchSize));
                    var selection = prefetched ?? await calls.CallAsync<SelectNextPhaseOutput>(nameof(SelectNextPhase), SelectionInput());
                    prefetched = null;

                    // While phases are in flight "nothing left" is only for now: one that ends may free its run.
                    log.AddRange(board.InFlight.Count == 0 ? selection.Lines : selection.Lines.Where(l => !SelectionOutcome.IsNoPickLine(l)));
                    if (selection.Selected is not { } phase)
                    {
                        board.NoPick(selection.NoPick);
                        break;
                    }

                    startedThisGeneration++;
                    if (options.DryRun)
                    {
                        // Nothing is touched: no executor, no database write, no session blob.
                        log.Add(ProgressLines.WouldDrain(phase));
                        picks.Add(phase.Key);
                        log.AddRange(PolicyBookkeeper.RecordDryRunPick(state, phase, options));
                        Publish(null);
                        continue;
                    }

                    // A sequential drain's executor call records its attempt itself when it settles inline.
                    var plan = Parallel ? null : RecordPlan(startedThisGeneration < perGeneration);
                    var slot = board.Start(phase, Now);
                    if (plan is not null && input.StartNextInCall && plan.MayStartInGeneration && !board.Stop.Stops)
                    {
                        plan = plan with { NextOrdinal = slot.Ordinal + 1 };
                    }

                    log.Add(Parallel ? ProgressLines.DrainingInSlot(phase, slot.Slot) : ProgressLines.Draining(phase));
                    var attemptId = AttemptIds.For(input.LockToken ?? context.InstanceId, sessionId, slot.Ordinal, phase.Key);
                    var deadline = prestarted?.AttemptId == attemptId ? prestarted.Deadline : (DateTimeOffset?)null;
                    var flow = new PhaseAttemptFlow(context, attemptSettings, calls, cancel);
                    running.Add((slot, flow, flow.RunAsync(phase, attemptId, options.SlotFor(slot.Slot), selection.TelemetryBefore, deadline, plan)));
                    Publish(null);
                }

                if (running.Count == 0)
                {
                    break;
                }

                // The attempt that ends first (the first started among those ended together).
                var ended = await Task.WhenAny(running.Select(r => r.Attempt));
                var done = running.First(r => r.Attempt == ended);
                running.Remove(done);
                board.Finish(done.Slot);
                var (result, winner) = await done.Attempt;
                var book = PolicyBookkeeper.Record(state, result, options);
                var lines = ProgressLines.AfterPhase(result, book);
                log.AddRange(Parallel ? ProgressLines.InSlot(lines, done.Slot) : lines);

                board.StopPicking(DrainLoopRules.AfterPhase(winner, book, options));

                // With nothing else in flight, the check before the next pick is made now: a drain that
                // ends after this save finishes its session and lets its lock go in it. Not when the
                // executor call started the next attempt: that one runs first.
                if (done.Flow.Recorded?.Next is { } next)
                {
                    prestartedAttempt = next;
                }
                else if (running.Count == 0)
                {
                    board.StopPicking(DrainLoopRules.BeforePhase(Processed, options, started, Now, cancel.Check()?.Mode));
                }

                // The ledger entry, and in a sequential drain the next selection (that of the next
                // generation too), go with the save: one round trip for all (run as two activities at
                // once, save and ledger saved 15 ms on Azure Storage but cost the in-process engine
                // 500 ms a phase). A selection that finds nothing ends the drain too, when this
                // generation is the one that uses it.
                var pickNext = !Parallel && board.MayPick;
                var ends = running.Count == 0 && (board.Stop.Stops || (pickNext && startedThisGeneration < perGeneration));
                if (done.Flow.Recorded is { } recorded)
                {
                    // The executor call made this save: the same result and ledger entry, one round trip
                    // fewer. Its stop can only be one this loop made too (the same rules, an earlier
                    // clock, no cancel): when the loop stops where it went on (a cancel came meanwhile),
                    // the session is finished and the lock let go after the loop.
                    lastSave = recorded.Save;
                    if (lastSave.Lock is { } renewal)
                    {
                        Renewed(renewal);
                    }
                }
                else
                {
                    lastSave = await SaveAsync(result, state.TotalProcessed - 1, LedgerStopsOf(result), pickNext ? SelectionInput(withSave: true) : null, pickNext ? RenewalInput() : null,
                        ends ? FinishInput() : null, ends ? ReleaseInput(board.Stop) : null);
                }

                prefetched = lastSave.Selection;

                Publish(null);
            }

            var stop = board.Stop;
            if (!stop.Stops)
            {
                return ContinueAsNew(prefetched is null ? null : lastSave);
            }

            if (stop.Line is not null)
            {
                log.Add(stop.Line);
            }

            if (!options.DryRun && lastSave?.Finished is null)
            {
                await calls.CallAsync<FinishSessionOutput>(nameof(FinishSession), FinishInput());
                await ReleaseLockAsync(stop);
            }

            Publish(stop.Stop.ToString());
            return Output(stop.Stop.ToString(), stop.Line);
        }

        /// <summary>The attempt started already, once: for the next pick.</summary>
        private PrestartedAttempt? TakePrestarted()
        {
            var first = prestartedAttempt;
            prestartedAttempt = null;
            return first;
        }

        /// <summary>The ledger entry's stops for a result just recorded in the state; null without the ledger.</summary>
        private LedgerStops? LedgerStopsOf(DrainResult result) => InlineRecordPlan.LedgerStopsOf(state, result, options);

        /// <summary>What the executor call needs to record the attempt about to start (<see cref="InlineRecordPlan"/>).</summary>
        private InlineRecordPlan RecordPlan(bool mayStartInGeneration) => new()
        {
            Before = SelectNextPhaseInput.For(state, options, sessionId, [], withSave: true),
            SessionStartedAt = started,
            MayStartInGeneration = mayStartInGeneration,
            LockToken = input.LockToken,
            InstanceId = context.InstanceId,
            LockExpiresAt = lockExpires,
            GraceSeconds = input.GraceSeconds,
        };

        /// <param name="withSave">The selection goes with a save, which can read the processed keys from the session.</param>
        private SelectNextPhaseInput SelectionInput(bool withSave = false) =>
            SelectNextPhaseInput.For(state, options, sessionId, board.BusyRuns, withSave);

        /// <summary>The lock's renewal when its hold runs short (see <see cref="RenewLockAsync"/>); else null.</summary>
        private RenewDrainLockInput? RenewalInput() =>
            RenewDrainLockInput.WhenDue(options, input.LockToken, sessionId, context.InstanceId, Now, lockExpires, input.GraceSeconds);

        /// <summary>Renews the drain lock when its hold runs short; returns who holds it when this drain lost it.</summary>
        private async Task<string?> RenewLockAsync()
        {
            if (lockLostTo is not null)
            {
                return lockLostTo;
            }

            if (RenewalInput() is not { } renew)
            {
                return null;
            }

            Renewed(await calls.CallAsync<RenewDrainLockOutput>(nameof(RenewDrainLock), renew));
            return lockLostTo;
        }

        /// <summary>Notes a renewal's outcome: the new expiry, or who took the lock over.</summary>
        private void Renewed(RenewDrainLockOutput renewal)
        {
            lockExpires = renewal.ExpiresAt;
            lockLostTo = renewal.Held ? null : renewal.HeldBy ?? "another drain holds the database";
        }

        private async Task ReleaseLockAsync(StopDecision stop)
        {
            if (ReleaseInput(stop) is { } release)
            {
                await calls.CallAsync<ReleaseDrainLockOutput>(nameof(ReleaseDrainLock), release);
            }
        }

        private FinishSessionInput FinishInput() => new(sessionId, Iso8601.Format(Now));

        /// <summary>The lock's release at the end, unless another drain took it over (or there is none: a dry run).</summary>
        private ReleaseDrainLockInput? ReleaseInput(StopDecision stop) =>
            options.DryRun || stop.Stop == SessionStop.LockLost || input.LockToken is not { } token ? null : new ReleaseDrainLockInput(token);

        private async Task<SaveSessionSnapshotOutput> SaveAsync(DrainResult? result, int index, LedgerStops? ledger, SelectNextPhaseInput? next, RenewDrainLockInput? renew, FinishSessionInput? finish, ReleaseDrainLockInput? release)
        {
            // With a selection the header's state travels once, inside it (HeaderState).
            var saved = await calls.CallAsync<SaveSessionSnapshotOutput>(nameof(SaveSessionSnapshot), new SaveSessionSnapshotInput
            {
                SessionId = sessionId,
                StartedAt = Iso8601.Format(started),
                BatchSize = options.BatchSize,
                State = next is null ? SaveSessionSnapshotInput.HeaderOf(state) : null,
                Result = result,
                ResultIndex = index,
                LedgerEntry = ledger,
                Next = next,
                RenewLock = renew,
                Finish = finish,
                ReleaseLock = release,
            });
            if (saved.Lock is { } renewal)
            {
                Renewed(renewal);
            }

            return saved;
        }

        private void Publish(string? stop) => context.SetCustomStatus(new DrainStatus
        {
            SessionId = sessionId,
            Processed = Processed,
            BatchSize = options.BatchSize,
            CurrentPhase = board.InFlight.Count > 0 ? board.InFlight[0].Phase.Key : null,
            CurrentPhaseStartedAt = board.InFlight.Count > 0 ? board.InFlight[0].StartedAt : null,
            PhaseTimeoutSeconds = options.PhaseTimeoutSeconds,
            Parallel = Parallel ? board.Slots : null,
            InFlight = Parallel ? [.. board.InFlight.Select(p => new InFlightStatus(p.Slot, p.Phase.Key, p.StartedAt))] : null,
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

        /// <param name="lastSave">The save that selected the next generation's first phase (null: it selects on its own).</param>
        private DrainSummaryOutput ContinueAsNew(SaveSessionSnapshotOutput? lastSave)
        {
            Publish(null);
            // The processed keys travel grouped by run; in a dry run they are the picks, carried once.
            context.ContinueAsNew(input with
            {
                SessionId = sessionId,
                StartedAt = started,
                Generation = input.Generation + 1,
                LockExpiresAt = lockExpires,
                FirstSave = lastSave,
                FirstAttempt = prestartedAttempt,
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
