using System.Globalization;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Forecasts;

/// <summary><c>drain forecast</c>'s table: one line per FAILED phase, in the <c>--prioritize forecast</c> order.</summary>
public static class ForecastTable
{
    public const string Header = "  #  run / phase                                   category     success  minutes  events  successes/h  basis";

    public static IEnumerable<string> Lines(IReadOnlyList<PhaseForecast> ranked, int historyAttempts)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        yield return Invariant($"Forecast of {ranked.Count} FAILED phases from {historyAttempts} earlier attempts, best first (the --prioritize forecast order; docs/forecast.md):");
        yield return Header;
        for (var i = 0; i < ranked.Count; i++)
        {
            var f = ranked[i];
            var name = $"{f.RunId} / {f.PhaseId}";
            yield return Invariant($"{i + 1,3}  {name,-45} {PhaseCategorizer.Name(f.Category),-11} {f.SuccessChance * 100,6:0}%  {f.ExpectedMinutes,7:0.0}  {f.ExpectedEvents,6:0.0}  {f.SuccessesPerMinute * 60,11:0.00}  {PhaseForecast.BasisName(f.Basis)} ({f.BasisAttempts})");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
