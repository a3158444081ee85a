using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Selection;

/// <summary>A candidate passed over, with the Python tool's reason text.</summary>
public sealed record SkipNotice(PhaseCandidate Candidate, string Reason, bool FromLedger = false)
{
    /// <summary>The progress line: <c>  [SKIP] run/phase: REASON</c>.</summary>
    public string Line => $"  [SKIP] {Candidate.RunId}/{Candidate.PhaseId}: {Reason}{(FromLedger ? " (ledger)" : string.Empty)}";
}

public enum NoPickReason
{
    None = 0,

    /// <summary>No FAILED phase is left to consider at all.</summary>
    BacklogEmpty,

    /// <summary>FAILED phases remain but every one is ruled out by a stop condition.</summary>
    AllSkipped,
}

/// <summary>The answer to "what next?": a phase, or why there is none, plus the skip lines.</summary>
public sealed record SelectionOutcome(PhaseCandidate? Selected, IReadOnlyList<SkipNotice> Skips, NoPickReason NoPick)
{
    public const string BacklogEmptyLine = "  No more failed phases to process";
    public const string AllSkippedLine = "  No eligible phases remaining after applying stop conditions";

    /// <summary>
    /// QUEUED phases in the whole database when <see cref="DrainOptions.SkipRunsWithQueued"/> is on:
    /// Autopack's tool announces them before each pick (they are never candidates: only FAILED ones are).
    /// </summary>
    public long QueuedPhasesSkipped { get; init; }

    /// <summary>The pick's forecast under <c>--prioritize yield|forecast</c>; null in the seed order.</summary>
    public PhaseForecast? Forecast { get; init; }

    /// <summary>Whether a line is the one that says nothing was picked.</summary>
    public static bool IsNoPickLine(string line) => line is BacklogEmptyLine or AllSkippedLine;

    public static string QueuedInfoLine(long count) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  [INFO] Skipping {count} individual QUEUED phases (not entire runs)");

    public IEnumerable<string> Lines =>
        (QueuedPhasesSkipped > 0 ? [QueuedInfoLine(QueuedPhasesSkipped)] : Enumerable.Empty<string>())
        .Concat(Skips.Select(s => s.Line)).Concat(NoPick switch
        {
            NoPickReason.BacklogEmpty => [BacklogEmptyLine],
            NoPickReason.AllSkipped => [AllSkippedLine],
            _ => [],
        });
}

/// <summary>
/// Limits remembered across sessions (the ledger); a phase or run ruled out by them is skipped
/// with the same reason text plus <c>(ledger)</c>.
/// </summary>
public interface ICrossSessionLimits
{
    int AttemptsOf(string phaseKey);

    int TimeoutsOf(string runId);

    bool IsRunStopped(string runId);
}

/// <summary>
/// Picks the next phase. Candidates must already exclude the keys processed in this session
/// and honour the run filter and skip prefixes (the stores do it in SQL; <see cref="Prefilter"/>
/// does it in memory). The selector applies the stop conditions and the order.
/// </summary>
public static class PhaseSelector
{
    /// <summary>
    /// Why <paramref name="candidate"/> must be skipped, or null when it is eligible. The checks
    /// and their order are the Python tool's, with the in-flight rule (which it meant but never
    /// applied) first.
    /// </summary>
    public static SkipNotice? Evaluate(PhaseCandidate candidate, PolicyState state, DrainOptions options, ICrossSessionLimits? ledger = null)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var run = candidate.RunId;
        if (options.SkipRunsInFlight && candidate.RunInFlightState is { } inFlight)
        {
            return new SkipNotice(candidate, $"run {run} has a phase in flight ({inFlight})");
        }

        // First among the tool's own checks, as it ran them.
        if (options.SampleFirst && state.DeprioritizedRuns.Contains(run))
        {
            return new SkipNotice(candidate, SampleTriage.SkipReason(run));
        }

        if (state.StoppedRuns.Contains(run))
        {
            return new SkipNotice(candidate, $"run {run} deprioritized (too many repeat failures)");
        }

        var timeouts = state.TimeoutsOf(run);
        if (timeouts >= options.MaxTimeoutsPerRun)
        {
            return new SkipNotice(candidate, $"run {run} has {timeouts} timeouts (limit: {options.MaxTimeoutsPerRun})");
        }

        var attempts = state.AttemptsOf(candidate.Key);
        if (attempts >= options.MaxAttemptsPerPhase)
        {
            return new SkipNotice(candidate, $"phase already attempted {attempts} times (limit: {options.MaxAttemptsPerPhase})");
        }

        if (ledger is null)
        {
            return null;
        }

        if (ledger.IsRunStopped(run))
        {
            return new SkipNotice(candidate, $"run {run} deprioritized (too many repeat failures)", FromLedger: true);
        }

        var ledgerTimeouts = timeouts + ledger.TimeoutsOf(run);
        if (ledgerTimeouts >= options.MaxTimeoutsPerRun)
        {
            return new SkipNotice(candidate, $"run {run} has {ledgerTimeouts} timeouts (limit: {options.MaxTimeoutsPerRun})", FromLedger: true);
        }

        var ledgerAttempts = attempts + ledger.AttemptsOf(candidate.Key);
        return ledgerAttempts >= options.MaxAttemptsPerPhase
            ? new SkipNotice(candidate, $"phase already attempted {ledgerAttempts} times (limit: {options.MaxAttemptsPerPhase})", FromLedger: true)
            : null;
    }

    /// <summary>Whether a candidate passes the filters a store applies in SQL.</summary>
    public static bool Prefilter(PhaseCandidate candidate, PolicyState state, DrainOptions options) =>
        !state.ProcessedKeys.Contains(candidate.Key)
        && (options.RunId is null || candidate.RunId == options.RunId)
        && !options.SkipRunPrefixes.Any(prefix => candidate.RunId.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Selects from an unordered, unfiltered in-memory backlog.</summary>
    public static SelectionOutcome SelectNext(IEnumerable<PhaseCandidate> candidates, PolicyState state, DrainOptions options, ICrossSessionLimits? ledger = null, IReadOnlySet<string>? busyRuns = null, YieldHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(options);
        var ordered = candidates.Where(c => Prefilter(c, state, options) && busyRuns?.Contains(c.RunId) != true).Order(PhaseOrder.Instance);
        return options.PrioritizeMode() == PrioritizeMode.Seed
            ? Walk(ordered, new SelectionWalker(state, options, ledger))
            : WalkPrioritized(ordered, state, options, ledger, history);
    }

    /// <summary>
    /// Selects from candidates a store streams in policy order, reading no further than needed:
    /// the first eligible phase ends the walk (unless sample-first triage must look on for an
    /// unsampled run). The skip lines are those of the candidates read.
    /// </summary>
    /// <remarks>
    /// Under <c>--prioritize yield|forecast</c> (<paramref name="history"/>: what earlier sessions
    /// saw; none is an empty history) the whole stream is read and re-sorted by the forecast first.
    /// </remarks>
    public static async Task<SelectionOutcome> SelectNextAsync(IAsyncEnumerable<PhaseCandidate> orderedCandidates, PolicyState state, DrainOptions options, ICrossSessionLimits? ledger = null, YieldHistory? history = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orderedCandidates);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PrioritizeMode() != PrioritizeMode.Seed)
        {
            var all = await orderedCandidates.ToListAsync(cancellationToken).ConfigureAwait(false);
            return WalkPrioritized(all, state, options, ledger, history);
        }

        var walker = new SelectionWalker(state, options, ledger);
        await foreach (var candidate in orderedCandidates.WithCancellation(cancellationToken))
        {
            if (walker.Offer(candidate))
            {
                break;
            }
        }

        return walker.Finish();
    }

    private static SelectionOutcome Walk(IEnumerable<PhaseCandidate> ordered, SelectionWalker walker)
    {
        foreach (var candidate in ordered)
        {
            if (walker.Offer(candidate))
            {
                break;
            }
        }

        return walker.Finish();
    }

    /// <summary>The walk over the candidates in the order of <c>--prioritize</c>; the pick carries its forecast.</summary>
    private static SelectionOutcome WalkPrioritized(IEnumerable<PhaseCandidate> seedOrdered, PolicyState state, DrainOptions options, ICrossSessionLimits? ledger, YieldHistory? history)
    {
        var ranked = PriorityOrder.Apply(seedOrdered, options.PrioritizeMode(), history ?? YieldHistory.Empty, options.PhaseTimeoutSeconds);
        var outcome = Walk(ranked.Select(r => r.Candidate), new SelectionWalker(state, options, ledger));
        return outcome.Selected is { } pick
            ? outcome with { Forecast = ranked.First(r => ReferenceEquals(r.Candidate, pick)).Forecast }
            : outcome;
    }

    /// <summary>Consumes candidates in policy order and decides; shared by both entry points.</summary>
    private sealed class SelectionWalker(PolicyState state, DrainOptions options, ICrossSessionLimits? ledger)
    {
        private readonly List<SkipNotice> skips = [];
        private int seen;
        private PhaseCandidate? selected;
        private PhaseCandidate? firstPromising;
        private PhaseCandidate? firstOther;

        /// <summary>Returns true when the walk can stop.</summary>
        public bool Offer(PhaseCandidate candidate)
        {
            seen++;
            var skip = Evaluate(candidate, state, options, ledger);
            if (skip is not null)
            {
                skips.Add(skip);
                return false;
            }

            if (!options.SampleFirst)
            {
                selected = candidate;
                return true;
            }

            // Sample-first triage: the best phase of an unsampled run wins at once; otherwise the
            // best of a promising run, which is only known once no unsampled run can follow.
            switch (SampleTriage.GroupOf(candidate.RunId, state))
            {
                case TriageGroup.Unsampled:
                    selected = candidate;
                    return true;
                case TriageGroup.Promising:
                    firstPromising ??= candidate;
                    return false;
                default:
                    firstOther ??= candidate;
                    return false;
            }
        }

        public SelectionOutcome Finish()
        {
            if ((selected ?? firstPromising ?? firstOther) is { } pick)
            {
                return new SelectionOutcome(pick, skips, NoPickReason.None);
            }

            return new SelectionOutcome(null, skips, seen == 0 ? NoPickReason.BacklogEmpty : NoPickReason.AllSkipped);
        }
    }
}
