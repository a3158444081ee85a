namespace DrainFunctions.Core.Forecasts;

/// <summary>The most specific part of the history a forecast rests on (docs/forecast.md).</summary>
public enum ForecastBasis
{
    /// <summary>No history at all: the fixed prior.</summary>
    None = 0,

    /// <summary>Every earlier attempt in this database.</summary>
    History,

    /// <summary>Earlier attempts of phases of the candidate's failure category.</summary>
    Category,

    /// <summary>Earlier attempts of phases of the candidate's run and category.</summary>
    RunCategory,

    /// <summary>Earlier attempts of the candidate itself.</summary>
    Phase,
}
