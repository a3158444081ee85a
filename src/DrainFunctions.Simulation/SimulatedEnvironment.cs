using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>The simulated world: a model, an in-memory store holding the backlog, and a clock.</summary>
public sealed class SimulatedEnvironment : IDrainEnvironment
{
    private readonly Dictionary<string, ModelPhase> phases;
    private readonly Dictionary<string, int> attemptsMade = new(StringComparer.Ordinal);

    // What the executor and the drain write when an attempt ends, applied as the clock passes its end.
    private readonly List<(DateTimeOffset At, Action Write)> pendingWrites = [];

    public SimulatedEnvironment(BacklogModel model, bool deprioritizeTimeouts = true, DateTimeOffset? start = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        Clock = new SimulatedClock(start ?? SimulatedClock.DefaultStart);
        phases = model.Phases.ToDictionary(p => p.Key, StringComparer.Ordinal);
        Store = new InMemoryBacklogStore(
            model.Phases.Select(p => new PhaseRecord(p.RunId, p.PhaseId, p.PhaseIndex, PhaseStates.Failed, p.InitialFailureReason)),
            deprioritizeTimeouts ? PhaseOrder.Instance : PhaseOrder.IgnoringCategory);
    }

    public BacklogModel Model { get; }

    public InMemoryBacklogStore Store { get; }

    public SimulatedClock Clock { get; }

    public DateTimeOffset Now => Clock.Now;

    public int AttemptsMade(string key) => attemptsMade.GetValueOrDefault(key);

    public ModelPhase Phase(string key) => phases[key];

    /// <summary>What earlier simulated sessions saw, for <c>--prioritize yield|forecast</c> (null: none yet).</summary>
    public YieldHistory? History { get; set; }

    public SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger, IReadOnlySet<string> busyRuns)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);

        // The store filters as SQL would and streams in its order; the core walks the stream.
        return BacklogSelection.SelectNextAsync(Store, state, options, ledger, busyRuns, History).GetAwaiter().GetResult();
    }

    /// <summary>One attempt alone: started now, the clock moved to its end.</summary>
    public PhaseAttemptOutcome RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline)
    {
        var attempt = StartPhase(phase, options, budgetDeadline);
        AdvanceTo(attempt.EndsAt);
        return attempt.Outcome;
    }

    public void AdvanceTo(DateTimeOffset instant)
    {
        Clock.AdvanceTo(instant);

        // In end order (ties: in start order, as List.Sort is not stable, an explicit walk).
        while (pendingWrites.Count > 0)
        {
            var next = 0;
            for (var i = 1; i < pendingWrites.Count; i++)
            {
                if (pendingWrites[i].At < pendingWrites[next].At)
                {
                    next = i;
                }
            }

            if (pendingWrites[next].At > Clock.Now)
            {
                break;
            }

            var write = pendingWrites[next].Write;
            pendingWrites.RemoveAt(next);
            write();
        }
    }

    /// <summary>
    /// The attempt as the model says it goes, told in the durable drain's terms (which event won
    /// the race, what the executor reported, how the phase settled) so that Core's
    /// <see cref="PhaseResults"/> turns it into the result exactly as the orchestrator does. The
    /// re-queue happens now; the phase's outcome reaches the store when the clock passes its end.
    /// </summary>
    public SimulatedAttempt StartPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(options);
        var started = Clock.Now;
        var requeue = Store.TryRequeue(phase.RunId, phase.PhaseId);
        if (requeue.Status != RequeueStatus.Requeued)
        {
            var refused = new ExecutorReport
            {
                End = requeue.Status == RequeueStatus.NotFound ? ExecutorRunEnd.NotFound : ExecutorRunEnd.RequeueConflict,
                CurrentState = requeue.CurrentState,
            };
            var notRun = PhaseResults.NotRun(phase, refused, started) ?? throw new InvalidOperationException("a refused re-queue always gives a result");
            return new SimulatedAttempt(new PhaseAttemptOutcome(notRun, PhaseRaceWinner.ExecutorReported), started, started);
        }

        var attempt = attemptsMade.GetValueOrDefault(phase.Key);
        attemptsMade[phase.Key] = attempt + 1;
        var behaviour = Model.Attempt(phases[phase.Key], attempt, started);
        var budgetLeft = budgetDeadline is { } d ? (d - started).TotalSeconds : double.PositiveInfinity;

        // With --extend-on-progress the looks before the deadline may move it; a timeout's message
        // and restore reason then name the effective timeout, as in the durable drain.
        var deadline = AttemptDeadline.Walk(behaviour, options, started, budgetLeft);
        var timeout = (double)deadline.TimeoutSeconds;
        var runsFor = behaviour.Hang ? double.PositiveInfinity : behaviour.DurationSeconds;
        var logs = $"sim://{phase.RunId}__{phase.PhaseId}";

        // The total budget cuts the attempt when it runs out before the phase's time or the run's
        // end; the phase timer when the run would outlast it; else the executor exits by itself.
        PhaseRaceEnd race;
        PhaseSettlement settled;
        double elapsed;
        long? telemetry;
        Action write;
        if (budgetLeft < Math.Min(timeout, runsFor))
        {
            race = new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline);
            elapsed = budgetLeft;
            telemetry = null;
            settled = new PhaseSettlement(true, PhaseStates.Executing, phase.LastFailureReason, Restored: true, ExecutorMayHaveStarted: true);
            var reason = RestoreReasons.For(race, phase, deadline.TimeoutSeconds);
            write = () => Store.RestoreToFailed(phase.RunId, phase.PhaseId, reason);
        }
        else if (runsFor > timeout)
        {
            race = new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
            elapsed = timeout;
            telemetry = behaviour.PartialTelemetry(timeout);
            settled = new PhaseSettlement(true, PhaseStates.Executing, phase.LastFailureReason, Restored: true, ExecutorMayHaveStarted: true);
            var reason = RestoreReasons.For(race, phase, deadline.TimeoutSeconds);
            write = () => Store.RestoreToFailed(phase.RunId, phase.PhaseId, reason);
        }
        else
        {
            var finalState = behaviour.Success ? PhaseStates.Complete : PhaseStates.Failed;
            var failureReason = behaviour.Success ? null : behaviour.FailureMessage;
            race = new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, new ExecutorReport
            {
                End = ExecutorRunEnd.Exited,
                InitialState = PhaseStates.Failed,
                ReturnCode = behaviour.Success ? 0 : 1,
                DurationSeconds = runsFor,
                StdoutPath = logs + ".stdout.txt",
                StderrPath = logs + ".stderr.txt",
            });
            elapsed = runsFor;
            telemetry = behaviour.Telemetry;
            settled = new PhaseSettlement(true, finalState, failureReason, Restored: false, ExecutorMayHaveStarted: true);
            write = () => Store.SetOutcome(phase.RunId, phase.PhaseId, finalState, failureReason);
        }

        var result = PhaseResults.Decide(new PhaseAttemptFacts
        {
            Phase = phase,
            AttemptId = string.Empty,
            Race = race,
            Settlement = settled,
            TelemetryDelta = telemetry,
            ElapsedSeconds = elapsed,
            Timestamp = started,
            PhaseTimeoutSeconds = deadline.TimeoutSeconds,
            MaxTotalMinutes = options.MaxTotalMinutes,
            DefaultStdoutPath = logs + ".stdout.txt",
            DefaultStderrPath = logs + ".stderr.txt",
        });
        result.Extensions = deadline.Extensions.Count > 0 ? deadline.Extensions : null;
        var collected = result.TelemetryEventsCollected ?? 0;
        var endsAt = started + TimeSpan.FromSeconds(elapsed);
        pendingWrites.Add((endsAt, () =>
        {
            write();
            Store.TelemetryRows += collected;
        }));
        return new SimulatedAttempt(new PhaseAttemptOutcome(result, race.Winner), started, endsAt) { Extensions = deadline.Extensions };
    }
}
