using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Phases;

/// <summary>
/// A dry run in-process: the drain loop's stop decisions (<see cref="DrainLoopRules"/>), the
/// selection the durable <c>SelectNextPhase</c> activity makes (<see cref="BacklogSelection"/>)
/// and the same progress lines, with nothing executed, written or scheduled. A dry run changes
/// nothing, so it needs no durable engine, no lock and no session; running it here leaves no
/// orchestration history behind and costs no queue round trips.
/// </summary>
public static class DryRunLoop
{
    /// <summary>
    /// Picks up to <see cref="DrainOptions.BatchSize"/> phases as a drain would, handing each
    /// progress line to <paramref name="emit"/> as it is decided. <paramref name="cancelMode"/> is
    /// asked before each pick (a non-null mode stops the run, as a drain's cancel event does).
    /// Under <c>--prioritize yield|forecast</c> <paramref name="history"/> orders the picks and each
    /// <c>Would drain</c> line ends with the pick's forecast (the seed order's lines are unchanged).
    /// </summary>
    public static async Task<DryRunOutcome> RunAsync(
        IBacklogStore store,
        DrainOptions options,
        ICrossSessionLimits? ledger,
        DateTimeOffset startedAt,
        TimeProvider clock,
        Action<string> emit,
        Func<string?>? cancelMode = null,
        YieldHistory? history = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(emit);
        options = options with { DryRun = true };
        var sessionId = SessionIds.FromStart(startedAt);
        var picks = new List<string>();
        var forecasts = new List<PhaseForecast>();
        if (options.Validate() is { Count: > 0 } errors)
        {
            var line = "Invalid options: " + string.Join("; ", errors.Select(e => $"{e.FlagName} {e.Message}"));
            emit(line);
            return new DryRunOutcome(sessionId, picks, InvalidOptions, line);
        }

        foreach (var line in ProgressLines.Banner(sessionId, options))
        {
            emit(line);
        }

        var state = new PolicyState();
        StopDecision stop;
        while (true)
        {
            stop = DrainLoopRules.BeforePhase(picks.Count, options, startedAt, clock.GetUtcNow(), cancelMode?.Invoke());
            if (stop.Stops)
            {
                break;
            }

            emit(ProgressLines.Selecting(picks.Count, options.BatchSize));

            // A copy, as the activity gets one: what the selection notes on its state stays there.
            var selection = await BacklogSelection.SelectNextAsync(store, state.Clone(), options, ledger, history: history, cancellationToken: cancellationToken);
            foreach (var line in selection.Lines)
            {
                emit(line);
            }

            if (selection.Selected is not { } phase)
            {
                stop = new StopDecision(DrainLoopRules.NoPick(selection.NoPick));
                break;
            }

            emit(ProgressLines.WouldDrain(phase) + (selection.Forecast?.Suffix(options.PrioritizeMode()) ?? string.Empty));
            picks.Add(phase.Key);
            if (selection.Forecast is { } forecast)
            {
                forecasts.Add(forecast);
            }

            foreach (var line in PolicyBookkeeper.RecordDryRunPick(state, phase, options))
            {
                emit(line);
            }
        }

        if (stop.Line is not null)
        {
            emit(stop.Line);
        }

        return new DryRunOutcome(sessionId, picks, stop.Stop.ToString(), stop.Line) { Forecasts = forecasts };
    }

    /// <summary>The stop of a dry run whose options did not validate (as the durable drain names it).</summary>
    public const string InvalidOptions = "InvalidOptions";
}
