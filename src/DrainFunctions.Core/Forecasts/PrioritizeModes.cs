namespace DrainFunctions.Core.Forecasts;

/// <summary>The names of <see cref="PrioritizeMode"/> as flags, JSON and settings spell them.</summary>
public static class PrioritizeModes
{
    public const string Seed = "seed";
    public const string Yield = "yield";
    public const string Forecast = "forecast";

    public static IReadOnlyList<string> Names { get; } = [Seed, Yield, Forecast];

    /// <summary>The mode of a name; null for any other text.</summary>
    public static PrioritizeMode? Parse(string? name) => name switch
    {
        Seed => PrioritizeMode.Seed,
        Yield => PrioritizeMode.Yield,
        Forecast => PrioritizeMode.Forecast,
        _ => null,
    };

    public static string Name(PrioritizeMode mode) => mode switch
    {
        PrioritizeMode.Yield => Yield,
        PrioritizeMode.Forecast => Forecast,
        _ => Seed,
    };
}
