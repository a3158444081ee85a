using System.Globalization;
using DrainFunctions.Core.Options;
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
    /// at <paramref name="budgetDeadline"/>), write its outcome back; returns the result built by
    /// Core's DrainResults. Advances <see cref="Now"/> by the attempt's duration.
    /// </summary>
    DrainResult RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline);
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
/// The drain loop, step for step as the real drain runs it: check the stop conditions before a
/// phase (batch size, total budget) → select with the policy core → drain the pick → record the
/// result with <see cref="PolicyBookkeeper"/> → stop when it says so.
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
            var before = PolicyBookkeeper.CheckBeforePhase(state, options, run.StartedAt, environment.Now);
            if (before != SessionStop.None)
            {
                if (before == SessionStop.TimeLimit)
                {
                    run.Lines.Add(PolicyBookkeeper.TimeLimitLine(options));
                }

                run.Stop = before;
                break;
            }

            var selection = environment.SelectNext(state, options, ledger);
            run.Skips.AddRange(selection.Skips.Select(s => s.Line));
            run.LedgerSkipLines += selection.Skips.Count(s => s.FromLedger);
            if (selection.Selected is not { } phase)
            {
                run.Stop = selection.NoPick == NoPickReason.BacklogEmpty ? SessionStop.BacklogEmpty : SessionStop.NoEligiblePhases;
                break;
            }

            run.Picks.Add(phase.Key);
            var result = environment.RunPhase(phase, options, deadline);
            run.Results.Add(result);
            var outcome = PolicyBookkeeper.Record(state, result, options);
            run.Lines.AddRange(outcome.TriageLines);
            run.Lines.AddRange(outcome.Lines);

            // As the orchestrator: a phase cut by the budget ends the session with TimeLimit at
            // once, before the batch size (or any other stop) is looked at.
            if (result.InterruptedBy == SimulatedEnvironment.InterruptedByBudget)
            {
                run.Lines.Add(PolicyBookkeeper.TimeLimitLine(options));
                run.Stop = SessionStop.TimeLimit;
                break;
            }

            if (outcome.Stop != SessionStop.None)
            {
                run.Stop = outcome.Stop;
                break;
            }
        }

        run.EndedAt = environment.Now;
        return run;
    }
}

/// <summary>The simulated world: a model, an in-memory store holding the backlog, and a clock.</summary>
public sealed class SimulatedEnvironment : IDrainEnvironment
{
    public const string InterruptedByBudget = "budget";

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

    /// <summary>The reason the durable drain writes when it puts a timed-out phase back to FAILED.</summary>
    public static string TimeoutRestoreReason(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Phase execution timed out after {seconds} seconds (batch drain)");

    public DrainResult RunPhase(PhaseCandidate phase, DrainOptions options, DateTimeOffset? budgetDeadline)
    {
        ArgumentNullException.ThrowIfNull(phase);
        ArgumentNullException.ThrowIfNull(options);
        var started = Clock.Now;
        var requeue = Store.TryRequeue(phase.RunId, phase.PhaseId);
        if (requeue.Status == RequeueStatus.NotFound)
        {
            return DrainResults.NotFound(phase, started);
        }

        if (requeue.Status == RequeueStatus.NotFailed)
        {
            return DrainResults.Interrupted(phase, requeue.CurrentState ?? string.Empty, "requeue_conflict",
                $"Phase was {requeue.CurrentState} (not FAILED) when the drain tried to re-queue it; not run", null, started);
        }

        var model = phases[phase.Key];
        var attempt = attemptsMade.GetValueOrDefault(phase.Key);
        attemptsMade[phase.Key] = attempt + 1;
        var behaviour = Model.Attempt(model, attempt, started);
        var timeout = (double)options.PhaseTimeoutSeconds;
        var budgetLeft = budgetDeadline is { } d ? (d - started).TotalSeconds : double.PositiveInfinity;
        var runsFor = behaviour.Hang ? double.PositiveInfinity : behaviour.DurationSeconds;
        var logs = $"sim://{phase.RunId}__{phase.PhaseId}";
        DrainResult result;
        if (budgetLeft < Math.Min(timeout, runsFor))
        {
            // The total budget runs out first: the attempt is cut and says nothing about the phase.
            Clock.Advance(TimeSpan.FromSeconds(budgetLeft));
            Store.RestoreToFailed(phase.RunId, phase.PhaseId, phase.LastFailureReason ?? string.Empty);

            var message = string.Create(CultureInfo.InvariantCulture, $"Interrupted: total time budget of {options.MaxTotalMinutes:0.##} minutes reached; phase stopped and restored to FAILED");
            return DrainResults.Interrupted(phase, PhaseStates.Failed, InterruptedByBudget, message, budgetLeft, started);
        }

        if (runsFor > timeout)
        {
            var partial = new PhaseOutcome
            {
                FinalState = PhaseStates.Failed,
                DurationSeconds = timeout,
                TelemetryDelta = behaviour.PartialTelemetry(timeout),
                StdoutPath = logs + ".stdout.txt",
                StderrPath = logs + ".stderr.txt",
            };
            result = DrainResults.TimedOut(phase, PhaseStates.Failed, options.PhaseTimeoutSeconds, partial, started);
            Store.RestoreToFailed(phase.RunId, phase.PhaseId, TimeoutRestoreReason(options.PhaseTimeoutSeconds));
            Clock.Advance(TimeSpan.FromSeconds(timeout));
        }
        else
        {
            var outcome = new PhaseOutcome
            {
                FinalState = behaviour.Success ? PhaseStates.Complete : PhaseStates.Failed,
                LastFailureReason = behaviour.Success ? null : behaviour.FailureMessage,
                ReturnCode = behaviour.Success ? 0 : 1,
                DurationSeconds = runsFor,
                TelemetryDelta = behaviour.Telemetry,
                StdoutPath = logs + ".stdout.txt",
                StderrPath = logs + ".stderr.txt",
            };
            result = DrainResults.Completed(phase, PhaseStates.Failed, outcome, started);
            Store.SetOutcome(phase.RunId, phase.PhaseId, outcome.FinalState, outcome.LastFailureReason);
            Clock.Advance(TimeSpan.FromSeconds(runsFor));
        }

        Store.TelemetryRows += result.TelemetryEventsCollected ?? 0;
        return result;
    }
}
