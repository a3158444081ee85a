using System.Globalization;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Forecasts;

/// <summary>
/// What one attempt of a candidate is expected to bring, from the database's history
/// (<see cref="YieldForecaster"/>; the formula is in docs/forecast.md), and how much history each
/// level of the fallback holds for it.
/// </summary>
public sealed record PhaseForecast
{
    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    public required int PhaseIndex { get; init; }

    public required PhaseCategory Category { get; init; }

    /// <summary>Chance that the attempt succeeds, 0 to 1.</summary>
    public required double SuccessChance { get; init; }

    /// <summary>Expected executor-minutes of the attempt (a timeout counts its whole timeout).</summary>
    public required double ExpectedMinutes { get; init; }

    /// <summary>Expected telemetry events the attempt collects.</summary>
    public required double ExpectedEvents { get; init; }

    /// <summary>The most specific level with at least one earlier attempt.</summary>
    public required ForecastBasis Basis { get; init; }

    /// <summary>Earlier attempts at <see cref="Basis"/>.</summary>
    public required int BasisAttempts { get; init; }

    public required int PhaseAttempts { get; init; }

    public required int RunCategoryAttempts { get; init; }

    public required int CategoryAttempts { get; init; }

    public required int HistoryAttempts { get; init; }

    /// <summary>
    /// Telemetry events per executor-minute that the candidate's run and category showed (else its
    /// category, else the whole history): the <c>yield</c> order's key; null without executor time.
    /// </summary>
    public double? ObservedYield { get; init; }

    /// <summary>The level <see cref="ObservedYield"/> comes from.</summary>
    public ForecastBasis YieldBasis { get; init; }

    public string Key => PhaseKey.Of(RunId, PhaseId);

    /// <summary>The <c>forecast</c> order's key: expected successes per executor-minute.</summary>
    public double SuccessesPerMinute => ExpectedMinutes > 0 ? SuccessChance / ExpectedMinutes : 0;

    /// <summary>The <c>forecast</c> order's second key: expected events per executor-minute.</summary>
    public double EventsPerMinute => ExpectedMinutes > 0 ? ExpectedEvents / ExpectedMinutes : 0;

    /// <summary>A level's name as the preview and <c>drain forecast</c> show it.</summary>
    public static string BasisName(ForecastBasis basis) => basis switch
    {
        ForecastBasis.Phase => "phase",
        ForecastBasis.RunCategory => "run+category",
        ForecastBasis.Category => "category",
        ForecastBasis.History => "history",
        _ => "none",
    };

    /// <summary>
    /// What a dry run adds to its <c>Would drain</c> line under <c>--prioritize yield|forecast</c>:
    /// <c> (forecast: 62% success, 5.1 min, 7.3 events; run+category, 4 attempts)</c>.
    /// </summary>
    public string Suffix(PrioritizeMode mode) => mode switch
    {
        PrioritizeMode.Yield => Invariant($" (yield: {(ObservedYield is { } y ? y.ToString("0.00", CultureInfo.InvariantCulture) : "unknown")} events/min; {BasisName(YieldBasis)})"),
        PrioritizeMode.Forecast => Invariant($" (forecast: {SuccessChance * 100:0}% success, {ExpectedMinutes:0.0} min, {ExpectedEvents:0.0} events; {BasisName(Basis)}, {BasisAttempts} attempts)"),
        _ => string.Empty,
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
