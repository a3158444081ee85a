using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// One phase attempt inside the drain orchestration: telemetry before, the executor activity
/// raced with the phase timer (deadline + grace), the budget deadline and a cancel, the stop and
/// restore of an attempt that may still run, the settle, telemetry after, and the result. The
/// decisions (which event won, how the end becomes a result) are Core's
/// (<see cref="PhaseRaceEnd"/>, <see cref="PhaseResults"/>); this class only does the durable
/// steps. It shares nothing with the loop but its explicit inputs, the line log (through
/// <see cref="StorageCalls"/>) and the cancel listener, and hands back a <see cref="PhaseAttemptOutcome"/>.
/// </summary>
internal sealed class PhaseAttemptFlow(TaskOrchestrationContext context, PhaseAttemptSettings settings, StorageCalls calls, CancelWatch cancel)
{
    /// <summary>What the executor activity reported, when it reported (one flow per attempt).</summary>
    private RunPhaseExecutorOutput? executorOutput;

    /// <summary>The agent that took the attempt (executor kind agent).</summary>
    private string? agent;

    /// <summary>The attempt's progress-aware timeout (<c>--extend-on-progress</c>).</summary>
    private ProgressWatch? progress;

    /// <summary>The telemetry rows of the phase's run before the attempt, when progress is watched.</summary>
    private long? runEventsBefore;

    /// <summary>The deadline of an attempt its drain's starter started (the first call only), or null.</summary>
    private DateTimeOffset? prestartedDeadline;

    /// <summary>The record the executor call is asked to make when it settles inline (<see cref="InlineRecordPlan"/>), or null.</summary>
    private InlineRecordPlan? recordPlan;

    /// <summary>What the executor call recorded itself, when it did: the loop adopts its save.</summary>
    public InlineRecord? Recorded { get; private set; }

    private DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <param name="phase">The pick.</param>
    /// <param name="attemptId">From <see cref="AttemptIds"/>: the same in every re-execution of the episode that schedules the executor.</param>
    /// <param name="slot">The slot that runs it: its API server and workspace.</param>
    /// <param name="telemetryBefore">The count the selection took right after the pick; null: counted here.</param>
    /// <param name="prestarted">The attempt's deadline when the drain's starter started it (<see cref="DrainOrchestrationInput.FirstAttempt"/>).</param>
    /// <param name="plan">A sequential drain's record for the executor call to make when it settles inline (its attempt fields are filled here); null: none.</param>
    public async Task<PhaseAttemptOutcome> RunAsync(PhaseCandidate phase, string attemptId, DrainSlot slot, TelemetrySnapshotOutput? telemetryBefore = null, DateTimeOffset? prestarted = null, InlineRecordPlan? plan = null)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(slot);
        prestartedDeadline = prestarted;
        var before = telemetryBefore ?? await calls.CallAsync<TelemetrySnapshotOutput>(nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(TelemetryScope(phase)) { SessionId = settings.SessionId, AttemptId = attemptId });
        var start = Now;
        progress = new ProgressWatch(context, settings, calls, phase, attemptId);
        if (progress.Enabled)
        {
            // Progress is counted in the phase's run (a sequential drain's own count is every row).
            runEventsBefore = TelemetryScope(phase) is not null ? before.Count
                : (await calls.CallAsync<TelemetrySnapshotOutput>(nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(phase.RunId) { SessionId = settings.SessionId, AttemptId = attemptId })).Count;
        }

        // Not with progress-aware timeouts: the extensions the result reports are counted here.
        recordPlan = plan is null || progress.Enabled ? null : plan with
        {
            AttemptStartedAt = start,
            TelemetryBefore = before.Count,
            PhaseTimeoutSeconds = progress.TimeoutSeconds,
        };
        var race = await RaceExecutorAsync(phase, attemptId, slot);

        // Not run at all: nothing to settle.
        if (PhaseResults.NotRun(phase, race.Report, Now) is { } notRun)
        {
            return Outcome(notRun, attemptId, race, slot);
        }

        var reason = RestoreReasons.For(race, phase, progress.TimeoutSeconds);
        if (race.AttemptMayStillRun)
        {
            // The attempt may still run (its activity overstayed, or the drain must stop): stop it everywhere.
            await calls.CallAsync<RestorePhaseOutput>(nameof(RestorePhase), new RestorePhaseInput(settings.SessionId, attemptId, phase.RunId, phase.PhaseId, reason));
        }

        // An executor that exited on its own was settled by its activity already.
        var inline = race.Winner == PhaseRaceWinner.ExecutorReported ? executorOutput : null;
        var settled = inline?.Settled ?? await calls.CallAsync<SettlePhaseOutcomeOutput>(nameof(SettlePhaseOutcome), new SettlePhaseOutcomeInput
        {
            SessionId = settings.SessionId,
            AttemptId = attemptId,
            RunId = phase.RunId,
            PhaseId = phase.PhaseId,
            WaitForSettle = race.WaitForSettle,
            RestoreReason = reason,
        });

        var after = (inline?.Settled is not null ? inline.TelemetryAfter : null)
            ?? await calls.CallAsync<TelemetrySnapshotOutput>(nameof(CaptureTelemetrySnapshot), new TelemetrySnapshotInput(TelemetryScope(phase)) { SessionId = settings.SessionId, AttemptId = attemptId });
        if (inline?.Recorded is { } recorded)
        {
            // The call recorded the attempt itself, with the same facts and rules.
            Recorded = recorded;
            return Outcome(recorded.Result, attemptId, race, slot);
        }

        var result = InlineRecordPlan.Decide(phase, attemptId, settings.SessionId, race, settled, before.Count, after.Count, start, Now, progress.TimeoutSeconds, settings.Options.MaxTotalMinutes);
        return Outcome(result, attemptId, race, slot);
    }

    /// <summary>
    /// The telemetry rows a phase is credited with: all of them in a sequential drain (the tool's
    /// count); with slots only its run's, since phases of other runs write theirs meanwhile.
    /// </summary>
    private string? TelemetryScope(PhaseCandidate phase) => settings.Options.ParallelSlots() > 1 ? phase.RunId : null;

    private PhaseAttemptOutcome Outcome(DrainResult result, string attemptId, PhaseRaceEnd race, DrainSlot slot)
    {
        result.AttemptId = attemptId;
        result.Slot = settings.Options.ParallelSlots() > 1 ? slot.Number : null;
        result.Agent = agent;
        result.Extensions = progress?.Extensions;
        return new PhaseAttemptOutcome(result, race.Winner);
    }

    /// <summary>
    /// The executor activity against the durable timer at deadline + grace, the budget, and a
    /// cancel. An activity that failed before starting anything because the database or
    /// storage is unreachable is called again (same attempt: it cannot start twice) after a
    /// durable backoff, with a new deadline; the phase timer does not run meanwhile.
    /// </summary>
    private async Task<PhaseRaceEnd> RaceExecutorAsync(PhaseCandidate phase, string attemptId, DrainSlot slot)
    {
        var timeout = TimeSpan.FromSeconds(settings.Options.PhaseTimeoutSeconds);
        var grace = TimeSpan.FromSeconds(Math.Max(0, settings.GraceSeconds));
        using var timers = new CancellationTokenSource();
        Attempt? running = null;
        Task? retryTimer = null;
        DateTimeOffset? outageSince = null;
        var retryDelay = StorageCalls.FirstOutageDelay;

        // The generation's shared timers when it has them (drains scheduled by this version), else the attempt's own.
        Task PhaseTimer(DateTimeOffset authority) =>
            settings.Timers?.PhaseTimer(authority) ?? context.CreateTimer(authority.UtcDateTime, timers.Token);

        Task BudgetTimer(DateTimeOffset deadline) =>
            settings.Timers?.BudgetTimer(deadline) ?? context.CreateTimer(deadline.UtcDateTime, timers.Token);

        Attempt Start()
        {
            // A prestarted attempt runs to the deadline its starter gave it; a call made again after an
            // outage gets a new one.
            var deadline = prestartedDeadline ?? Now + timeout;
            prestartedDeadline = null;
            var authority = deadline + grace;

            // Not retried by the engine: a redelivery is recognized by the attempt id instead.
            var run = context.CallActivityAsync<RunPhaseExecutorOutput>(
                nameof(RunPhaseExecutor),
                RunPhaseExecutorInput.For(settings.SessionId, attemptId, phase, deadline, grace, settings.Options.PhaseTimeoutSeconds, progress!.Enabled, TelemetryScope(phase), slot) with { Record = recordPlan });
            progress!.Start(Now, runEventsBefore, timers.Token);
            return new Attempt(run, PhaseTimer(authority), authority);
        }

        running = Start();
        var budgetTimer = settings.BudgetDeadline is { } budget ? BudgetTimer(budget) : null;
        var watchCancel = !cancel.NowRequested;
        PhaseRaceEnd? end = null;

        // Bounded: an early timer is re-armed at most a few times, outages end or stop the drain.
        for (var round = 0; round < StorageCalls.MaxRounds && end is null; round++)
        {
            var race = new List<Task>();
            if (running is { } current)
            {
                race.Add(current.Run);
                race.Add(current.Timer);
                if (progress!.Timer is { } look)
                {
                    race.Add(look);
                }
            }
            else if (retryTimer is not null)
            {
                race.Add(retryTimer);
            }

            if (budgetTimer is not null)
            {
                race.Add(budgetTimer);
            }

            var cancelEvent = watchCancel ? cancel.Event : null;
            if (cancelEvent is not null)
            {
                race.Add(cancelEvent);
            }

            var winner = await Task.WhenAny(race);
            if (running is { } attempt && winner == attempt.Run)
            {
                try
                {
                    executorOutput = await attempt.Run;
                    if (executorOutput.Status == PhaseRunStatus.Dispatched)
                    {
                        // Handed to the agents: their claim and result decide from here (the
                        // attempt's time starts at the claim).
                        var agents = new AgentAttemptWait(context, settings, calls, cancel, progress!, runEventsBefore);
                        end = await agents.RunAsync(phase.Key, attemptId, TimeSpan.FromSeconds(executorOutput.HeartbeatTimeoutSeconds ?? 30), budgetTimer, timers.Token);
                        executorOutput = agents.Output;
                        agent = agents.Agent;
                        break;
                    }

                    end = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, ExecutorReports.From(executorOutput));
                }
                catch (TaskFailedException ex) when (Outage.IsOutage(ex) && !calls.OutageTooLong(ref outageSince))
                {
                    calls.WaitLine(ex.FailureDetails.ErrorMessage, retryDelay);
                    retryTimer = context.CreateTimer((Now + retryDelay).UtcDateTime, timers.Token);
                    retryDelay = StorageCalls.NextOutageDelay(retryDelay);
                    running = null;
                }
                catch (TaskFailedException ex)
                {
                    end = new PhaseRaceEnd(PhaseRaceWinner.ExecutorFailed, Failure: StorageCalls.Describe(nameof(RunPhaseExecutor), ex));
                }

                continue;
            }

            if (running is { } watched && winner == progress!.Timer)
            {
                // Shortly before the deadline: with progress seen, the deadline (and the phase timer) moves on.
                if (await progress.CheckAsync(timers.Token) is { } moved)
                {
                    var authority = moved + grace;
                    running = watched with { Timer = PhaseTimer(authority), Authority = authority };
                }

                continue;
            }

            if (winner == retryTimer)
            {
                retryTimer = null;
                running = Start();
                continue;
            }

            if (running is { } timed && winner == timed.Timer)
            {
                // A timer may fire up to a second early (Azure Storage): wait until the deadline really passed.
                if (Now >= timed.Authority)
                {
                    end = new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
                    break;
                }

                running = timed with { Timer = PhaseTimer(timed.Authority) };
                continue;
            }

            if (winner == budgetTimer && settings.BudgetDeadline is { } deadline)
            {
                if (Now >= deadline)
                {
                    end = new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline);
                    break;
                }

                budgetTimer = BudgetTimer(deadline);
                continue;
            }

            // The cancel event. A graceful one lets the phase finish, but a later "now" (a second
            // Ctrl-C) must still stop it, so the race goes on listening.
            if (winner == cancelEvent && cancel.Received(cancelEvent).IsNow)
            {
                end = new PhaseRaceEnd(PhaseRaceWinner.CancelNow);
                break;
            }
        }

        // Cancel the losing timers (the shared ones are the generation's), or the instance stays open until they fire. Synchronously:
        // CancelAsync would resume this method off the orchestration's thread.
#pragma warning disable CA1849 // Call async methods when in an async method
        timers.Cancel();
#pragma warning restore CA1849
        return end ?? new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
    }

    /// <summary>The executor activity in flight and its phase timer at <paramref name="Authority"/> (deadline + grace).</summary>
    private sealed record Attempt(Task<RunPhaseExecutorOutput> Run, Task Timer, DateTimeOffset Authority);
}
