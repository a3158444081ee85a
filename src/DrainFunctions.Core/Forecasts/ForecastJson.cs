using System.Text.Json.Nodes;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Forecasts;

/// <summary>A forecast as JSON (snake_case, as the dry run's <c>--json</c> and the session files spell fields).</summary>
public static class ForecastJson
{
    public static JsonObject Of(PhaseForecast forecast)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        return new JsonObject
        {
            ["run_id"] = forecast.RunId,
            ["phase_id"] = forecast.PhaseId,
            ["phase_index"] = forecast.PhaseIndex,
            ["category"] = PhaseCategorizer.Name(forecast.Category),
            ["success_chance"] = Round(forecast.SuccessChance, 4),
            ["expected_minutes"] = Round(forecast.ExpectedMinutes, 2),
            ["expected_events"] = Round(forecast.ExpectedEvents, 2),
            ["successes_per_minute"] = Round(forecast.SuccessesPerMinute, 4),
            ["events_per_minute"] = Round(forecast.EventsPerMinute, 4),
            ["observed_yield"] = forecast.ObservedYield is { } y ? Round(y, 4) : null,
            ["yield_basis"] = PhaseForecast.BasisName(forecast.YieldBasis),
            ["basis"] = PhaseForecast.BasisName(forecast.Basis),
            ["basis_attempts"] = forecast.BasisAttempts,
            ["attempts"] = new JsonObject
            {
                ["phase"] = forecast.PhaseAttempts,
                ["run_category"] = forecast.RunCategoryAttempts,
                ["category"] = forecast.CategoryAttempts,
                ["history"] = forecast.HistoryAttempts,
            },
        };
    }

    public static JsonArray Of(IEnumerable<PhaseForecast> forecasts)
    {
        ArgumentNullException.ThrowIfNull(forecasts);
        return [.. forecasts.Select(f => (JsonNode)Of(f))];
    }

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
