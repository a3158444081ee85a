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

    /// <summary>
    /// The processed keys are the keys of the session's saved results (<see cref="PolicyState.RebuildDerived"/>):
    /// the save that selects reads them from the session it has just written instead of carrying
    /// them (<see cref="ProcessedByRun"/> is then empty). Carried, they grew every save's message and
    /// history row by ~40 bytes a processed phase, so a drain's task-hub bytes grew with the square
    /// of its batch (issue 17). Only <see cref="Activities.SaveSessionSnapshot"/> honours it.
    /// </summary>
    public bool ProcessedFromSession { get; init; }

    /// <summary>
    /// Up to this many processed keys travel in the message (about 2.5 KB); beyond, a save reads them
    /// from the session. Reading costs a download and a parse of the whole session at every save,
    /// which the drains of a few dozen phases, the common case, need not pay.
    /// </summary>
    public const int MaxInlineProcessedKeys = 64;

    /// <summary>Runs with a phase in flight in this drain: none of their phases is picked.</summary>
    public List<string> BusyRuns { get; init; } = [];

    /// <summary>Count the telemetry rows once a phase is picked (the phase's "before"), saving a round trip.</summary>
    public bool CountTelemetry { get; init; }

    /// <summary>With <see cref="CountTelemetry"/>: only the picked run's rows (parallel slots).</summary>
    public bool TelemetryPerRun { get; init; }

    /// <summary>
    /// The selection a drain asks for next. <paramref name="withSave"/>: it goes with a save, which
    /// can read the processed keys from the session it has just written when there are many.
    /// </summary>
    public static SelectNextPhaseInput For(PolicyState state, DrainOptions options, string sessionId, IEnumerable<string> busyRuns, bool withSave)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var fromSession = withSave && state.ProcessedKeys.Count > MaxInlineProcessedKeys;
        return new(ProcessedKeyGroups.WithoutKeys(state), options, sessionId)
        {
            ProcessedByRun = fromSession ? [] : ProcessedKeyGroups.Group(state.ProcessedKeys),
            ProcessedFromSession = fromSession,
            BusyRuns = [.. busyRuns],
            CountTelemetry = !options.DryRun,
            TelemetryPerRun = !options.DryRun && options.ParallelSlots() > 1,
        };
    }

    /// <summary>The state with its processed keys back.</summary>
    public PolicyState ExpandedState()
    {
        var state = State.Clone();
        state.ProcessedKeys.UnionWith(ProcessedKeyGroups.Expand(ProcessedByRun));
        return state;
    }
}
