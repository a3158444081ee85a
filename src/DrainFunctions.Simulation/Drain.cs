using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>A clock that only moves when told to.</summary>
public sealed class SimulatedClock(DateTimeOffset start)
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Now += by;
    }

    public void AdvanceTo(DateTimeOffset instant)
    {
        if (instant > Now)
        {
            Now = instant;
        }
    }
}

/// <summary>
/// What one drain step needs from the world: the time, the next pick, and draining the pick.
/// The simulator implements it over a model; a comparison test can implement it over the real
/// store and a scripted executor and run <see cref="SimulatedDrain.Run"/> on both.
/// </summary>
public interface IDrainEnvironment
{
    DateTimeOffset Now { get; }

    /// <summary>The next phase by the policy core (PhaseSelector), or why there is none.</summary>
    SelectionOutcome SelectNext(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger);

    /// <summary>
    /// Drains <paramref name="phase"/>: requeue, run (cut by the phase timeout, or by the budget
    /// at <paramref name="budgetDeadline"/>), write its outcome back; returns the result (built by
    /// Core's <see cref="PhaseResults"/>) and the event that ended the attempt. Advances
    /// <see cref="Now"/> by the attempt's duration.
    /// </summary>
    PhaseAttemptOutcome RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline);
}

/// <summary>One drain session's record: the picks in order, the results, the final policy state.</summary>
public sealed class DrainRun
{
    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset EndedAt { get; set; }

    /// <summary><c>run_id:phase_id</c> of every pick, in order.</summary>
    public List<string> Picks { get; } = [];

    public List<DrainResult> Results { get; } = [];

    public PolicyState State { get; set; } = new();

    public SessionStop Stop { get; set; }

    /// <summary>Skip lines the selector produced (not printed, only counted).</summary>
    public int SkipLines => Skips.Count;

    /// <summary>The skip lines themselves (<c>  [SKIP] run/phase: REASON</c>), for tests and debugging.</summary>
    public List<string> Skips { get; } = [];

    /// <summary>Skip lines that came from the cross-session ledger.</summary>
    public int LedgerSkipLines { get; set; }

    /// <summary>The progress lines of the bookkeeping ([SAMPLE-OK], [SAMPLE-SKIP], [STOP], [TIME LIMIT]).</summary>
    public List<string> Lines { get; } = [];
}

/// <summary>
/// The drain loop, step for step as the real drain runs it, on the same Core decisions
/// (<see cref="DrainLoopRules"/>): check the stop conditions before a phase (batch size, total
/// budget) → select with the policy core → drain the pick → record the result with
/// <see cref="PolicyBookkeeper"/> → stop when the rules say so. No cancel and no lock here: a
/// simulated drain is never cancelled and holds its database alone.
/// </summary>
public static class SimulatedDrain
{
    public static DrainRun Run(DrainOptions options, IDrainEnvironment environment, ICrossSessionLimits? ledger = null, PolicyState? initialState = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var run = new DrainRun { StartedAt = environment.Now, State = initialState ?? new PolicyState() };
        var state = run.State;
        var deadline = PolicyBookkeeper.BudgetDeadline(options, run.StartedAt);
        while (true)
        {
            var before = DrainLoopRules.BeforePhase(state.TotalProcessed, options, run.StartedAt, environment.Now);
            if (Stopped(run, before))
            {
                break;
            }

            var selection = environment.SelectNext(state, options, ledger);
            run.Skips.AddRange(selection.Skips.Select(s => s.Line));
            run.LedgerSkipLines += selection.Skips.Count(s => s.FromLedger);
            if (selection.Selected is not { } phase)
            {
                run.Stop = DrainLoopRules.NoPick(selection.NoPick);
                break;
            }

            run.Picks.Add(phase.Key);
            var (result, winner) = environment.RunPhase(phase, options, deadline);
            run.Results.Add(result);
            var book = PolicyBookkeeper.Record(state, result, options);
            run.Lines.AddRange(book.TriageLines);
            run.Lines.AddRange(book.Lines);
            if (Stopped(run, DrainLoopRules.AfterPhase(winner, book, options)))
            {
                break;
            }
        }

        run.EndedAt = environment.Now;
        return run;
    }

    private static bool Stopped(DrainRun run, StopDecision decision)
    {
        if (!decision.Stops)
        {
            return false;
        }

        if (decision.Line is not null)
        {
            run.Lines.Add(decision.Line);
        }

        run.Stop = decision.Stop;
        return true;
    }
}

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
