namespace DrainFunctions.Core.Phases;

/// <summary>What a dry run would drain: its session id (never saved), the phase keys in pick order, and why it stopped.</summary>
public sealed record DryRunOutcome(string SessionId, IReadOnlyList<string> Picks, string Stop, string? StopLine)
{
    /// <summary>Each pick's forecast, in pick order, under <c>--prioritize yield|forecast</c>; empty in the seed order.</summary>
    public IReadOnlyList<Forecasts.PhaseForecast> Forecasts { get; init; } = [];
}
