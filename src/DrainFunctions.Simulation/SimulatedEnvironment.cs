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

    public SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);

        // The store filters as SQL would and streams in its order; the core walks the stream.
        return BacklogSelection.SelectNextAsync(Store, state, options, ledger).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The attempt as the model says it goes, told in the durable drain's terms (which event won
    /// the race, what the executor reported, how the phase settled) so that Core's
    /// <see cref="PhaseResults"/> turns it into the result exactly as the orchestrator does.
    /// </summary>
    public PhaseAttemptOutcome RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline)
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
            return new PhaseAttemptOutcome(notRun, PhaseRaceWinner.ExecutorReported);
        }

        var attempt = attemptsMade.GetValueOrDefault(phase.Key);
        attemptsMade[phase.Key] = attempt + 1;
        var behaviour = Model.Attempt(phases[phase.Key], attempt, started);
        var timeout = (double)options.PhaseTimeoutSeconds;
        var budgetLeft = budgetDeadline is { } d ? (d - started).TotalSeconds : double.PositiveInfinity;
        var runsFor = behaviour.Hang ? double.PositiveInfinity : behaviour.DurationSeconds;
        var logs = $"sim://{phase.RunId}__{phase.PhaseId}";

        // The total budget cuts the attempt when it runs out before the phase's time or the run's
        // end; the phase timer when the run would outlast it; else the executor exits by itself.
        PhaseRaceEnd race;
        PhaseSettlement settled;
        double elapsed;
        long? telemetry;
        if (budgetLeft < Math.Min(timeout, runsFor))
        {
            race = new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline);
            elapsed = budgetLeft;
            telemetry = null;
            settled = new PhaseSettlement(true, PhaseStates.Executing, phase.LastFailureReason, Restored: true, ExecutorMayHaveStarted: true);
            Store.RestoreToFailed(phase.RunId, phase.PhaseId, RestoreReasons.For(race, phase, options.PhaseTimeoutSeconds));
        }
        else if (runsFor > timeout)
        {
            race = new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
            elapsed = timeout;
            telemetry = behaviour.PartialTelemetry(timeout);
            settled = new PhaseSettlement(true, PhaseStates.Executing, phase.LastFailureReason, Restored: true, ExecutorMayHaveStarted: true);
            Store.RestoreToFailed(phase.RunId, phase.PhaseId, RestoreReasons.For(race, phase, options.PhaseTimeoutSeconds));
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
            Store.SetOutcome(phase.RunId, phase.PhaseId, finalState, failureReason);
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
            PhaseTimeoutSeconds = options.PhaseTimeoutSeconds,
            MaxTotalMinutes = options.MaxTotalMinutes,
            DefaultStdoutPath = logs + ".stdout.txt",
            DefaultStderrPath = logs + ".stderr.txt",
        });
        Clock.Advance(TimeSpan.FromSeconds(elapsed));
        Store.TelemetryRows += result.TelemetryEventsCollected ?? 0;
        return new PhaseAttemptOutcome(result, race.Winner);
    }
}
