using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Forecasts;

/// <summary>
/// The yield forecast (docs/forecast.md). Each level of the fallback — the whole history, the
/// candidate's category, its run and category, the phase itself — estimates the chance of success,
/// the minutes and the events of one attempt as its own sums plus <see cref="PriorWeight"/>
/// attempts' worth of the level above: a level with few attempts stays near the one above, a level
/// with many speaks for itself, and a level with none is the one above. Above the whole history is
/// a fixed prior (an even chance, half the phase timeout, no events).
/// </summary>
public static class YieldForecaster
{
    /// <summary>How many attempts' worth of the level above each level starts from.</summary>
    public const double PriorWeight = 2;

    /// <summary>The chance of success before any history.</summary>
    public const double PriorSuccessChance = 0.5;

    public static PhaseForecast Forecast(PhaseCandidate candidate, YieldHistory history, int phaseTimeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(history);
        var category = candidate.Category;
        var levels = new (ForecastBasis Basis, HistoryTally? Tally)[]
        {
            (ForecastBasis.History, history.All),
            (ForecastBasis.Category, history.OfCategory(category)),
            (ForecastBasis.RunCategory, history.OfRunCategory(candidate.RunId, category)),
            (ForecastBasis.Phase, history.OfPhase(candidate.Key)),
        };

        // A phase whose last attempt ran into the timeout is expected to run the whole timeout
        // again until attempts of its own category say otherwise: the other categories' minutes
        // say nothing about it.
        var timedOutBefore = category == PhaseCategory.Timeout;
        var chance = PriorSuccessChance;
        var minutes = phaseTimeoutSeconds / 60.0 / (timedOutBefore ? 1 : 2);
        var events = 0.0;
        var basis = ForecastBasis.None;
        var basisAttempts = 0;
        foreach (var (level, tally) in levels)
        {
            if (tally is not { Attempts: > 0 })
            {
                continue;
            }

            chance = Blend(tally.Successes, tally.Attempts, chance);
            if (!(timedOutBefore && level == ForecastBasis.History))
            {
                minutes = Blend(tally.DurationSeconds / 60, tally.Timed, minutes);
            }

            events = Blend(tally.TelemetryEvents, tally.Counted, events);
            basis = level;
            basisAttempts = tally.Attempts;
        }

        // The yield order reads what the run and category showed, not the phase's own failures.
        var (yieldBasis, observed) = levels.Take(3).Reverse()
            .Where(l => l.Tally?.EventsPerMinute is not null)
            .Select(l => (l.Basis, l.Tally!.EventsPerMinute))
            .FirstOrDefault();

        return new PhaseForecast
        {
            RunId = candidate.RunId,
            PhaseId = candidate.PhaseId,
            PhaseIndex = candidate.PhaseIndex,
            Category = category,
            SuccessChance = chance,
            ExpectedMinutes = minutes,
            ExpectedEvents = events,
            Basis = basis,
            BasisAttempts = basisAttempts,
            PhaseAttempts = levels[3].Tally?.Attempts ?? 0,
            RunCategoryAttempts = levels[2].Tally?.Attempts ?? 0,
            CategoryAttempts = levels[1].Tally?.Attempts ?? 0,
            HistoryAttempts = history.All.Attempts,
            ObservedYield = observed,
            YieldBasis = yieldBasis,
        };
    }

    /// <summary>(sum + k × above) / (count + k): the level's mean, pulled toward the level above.</summary>
    public static double Blend(double sum, int count, double above) => (sum + (PriorWeight * above)) / (count + PriorWeight);
}
