namespace DrainFunctions.Simulation;

/// <summary>The shares of each nature among generated phases, and the retry success probability.</summary>
public sealed record NatureShares
{
    public double Transient { get; init; } = 0.20;

    public double Deterministic { get; init; } = 0.30;

    public double Hang { get; init; } = 0.10;

    public double SlowSuccess { get; init; } = 0.15;

    public double QuickSuccess { get; init; } = 0.25;

    /// <summary>Probability that an attempt of a transient phase succeeds.</summary>
    public double TransientSuccessProbability { get; init; } = 0.5;

    /// <summary>
    /// Share of hangs that keep writing output but never finish (noisy hangs): with
    /// <c>--extend-on-progress</c> they are extended up to the maximum and then cut. The rest go
    /// silent. A guess, not a measurement (docs/progress-timeouts.md).
    /// </summary>
    public double NoisyHang { get; init; } = 0.25;

    public double Total => Transient + Deterministic + Hang + SlowSuccess + QuickSuccess;
}
