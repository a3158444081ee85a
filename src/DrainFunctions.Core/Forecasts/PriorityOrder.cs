using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Forecasts;

/// <summary>
/// The order of <c>--prioritize</c>: candidates in the policy's order re-sorted by their
/// forecast, the policy's order breaking ties (a stable sort), so that with no history every mode
/// is the seed order.
/// </summary>
public static class PriorityOrder
{
    /// <summary><paramref name="seedOrdered"/> in <paramref name="mode"/>'s order, each with its forecast.</summary>
    public static IReadOnlyList<(PhaseCandidate Candidate, PhaseForecast Forecast)> Apply(IEnumerable<PhaseCandidate> seedOrdered, PrioritizeMode mode, YieldHistory history, int phaseTimeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(seedOrdered);
        ArgumentNullException.ThrowIfNull(history);
        var forecasts = seedOrdered.Select(c => (Candidate: c, Forecast: YieldForecaster.Forecast(c, history, phaseTimeoutSeconds))).ToList();
        return mode switch
        {
            PrioritizeMode.Yield => [.. forecasts.OrderBy(f => TimedOutBefore(f.Candidate)).ThenByDescending(f => f.Forecast.ObservedYield ?? 0)],
            PrioritizeMode.Forecast => [.. forecasts.OrderBy(f => TimedOutBefore(f.Candidate)).ThenByDescending(f => f.Forecast.SuccessesPerMinute).ThenByDescending(f => f.Forecast.EventsPerMinute)],
            _ => forecasts,
        };
    }

    // Phases that timed out last stay behind the others, as in the seed order: a timeout costs
    // more than its minutes (max_timeouts_per_run stops the whole run), which a per-minute
    // forecast does not price.
    private static bool TimedOutBefore(PhaseCandidate candidate) => candidate.Category == PhaseCategory.Timeout;
}
