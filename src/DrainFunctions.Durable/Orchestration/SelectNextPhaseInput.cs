using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The state travels without its processed keys; they come grouped in <see cref="ProcessedByRun"/>.
/// <paramref name="SessionId"/>: the asking session, left out of the ledger's counts (its own state has them).
/// </summary>
public sealed record SelectNextPhaseInput(PolicyState State, DrainOptions Options, string? SessionId = null)
{
    public Dictionary<string, List<string>> ProcessedByRun { get; init; } = [];

    /// <summary>Runs with a phase in flight in this drain: none of their phases is picked.</summary>
    public List<string> BusyRuns { get; init; } = [];

    /// <summary>The state with its processed keys back.</summary>
    public PolicyState ExpandedState()
    {
        var state = State.Clone();
        state.ProcessedKeys.UnionWith(ProcessedKeyGroups.Expand(ProcessedByRun));
        return state;
    }
}
