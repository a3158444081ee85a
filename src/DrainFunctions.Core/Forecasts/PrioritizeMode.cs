namespace DrainFunctions.Core.Forecasts;

/// <summary>How eligible phases are ordered before the stop conditions walk them (<c>--prioritize</c>).</summary>
public enum PrioritizeMode
{
    /// <summary>The policy's own order (category, phase_index, run, phase): the guide's and the default.</summary>
    Seed = 0,

    /// <summary>Highest telemetry events per executor-minute their run and category showed in earlier sessions first.</summary>
    Yield,

    /// <summary>Highest forecast successes per executor-minute first (then events per executor-minute).</summary>
    Forecast,
}
