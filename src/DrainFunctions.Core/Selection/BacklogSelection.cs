using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Selection;

/// <summary>
/// One pick against a store: the filters the store applies (run, prefixes, keys processed in this
/// session), the policy's walk over the ordered stream, and the QUEUED count that Autopack's tool
/// announces. The durable activity and the simulator both pick through here.
/// </summary>
public static class BacklogSelection
{
    /// <param name="busyRuns">Runs with a phase in flight in this drain (parallel slots): left out silently, whatever the database says.</param>
    /// <param name="history">What earlier sessions of the database saw, for <c>--prioritize yield|forecast</c> (null: none).</param>
    public static async Task<SelectionOutcome> SelectNextAsync(IBacklogStore store, PolicyState state, DrainOptions options, ICrossSessionLimits? ledger = null, IReadOnlySet<string>? busyRuns = null, YieldHistory? history = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var query = new CandidateQuery(options.RunId, options.SkipRunPrefixes, state.ProcessedKeys);
        var candidates = store.StreamCandidatesAsync(query, cancellationToken);
        if (busyRuns is { Count: > 0 })
        {
            candidates = candidates.Where(c => !busyRuns.Contains(c.RunId));
        }

        var outcome = await PhaseSelector.SelectNextAsync(candidates, state, options, ledger, history, cancellationToken).ConfigureAwait(false);
        return options.SkipRunsWithQueued
            ? outcome with { QueuedPhasesSkipped = await store.CountQueuedAsync(cancellationToken).ConfigureAwait(false) }
            : outcome;
    }
}
