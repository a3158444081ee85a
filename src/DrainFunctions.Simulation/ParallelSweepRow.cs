namespace DrainFunctions.Simulation;

/// <summary>One drain of the parallel sweep: a policy with K slots, its numbers on the wall clock as well as in executor time.</summary>
public sealed class ParallelSweepRow
{
    public required string Policy { get; init; }

    public required int Slots { get; init; }

    public required DrainRun Drain { get; init; }

    /// <summary>Executor-time figures (summed over slots): what was attempted and wasted.</summary>
    public DrainMetrics Metrics => DrainMetrics.Of(Drain.Results);

    /// <summary>Simulated wall-clock minutes from the drain's start to its last attempt's end.</summary>
    public double WallMinutes => (Drain.EndedAt - Drain.StartedAt).TotalMinutes;

    /// <summary>Phases attempted per wall-clock hour: what parallel slots buy.</summary>
    public double PhasesPerHour => WallMinutes > 0 ? Metrics.Attempted / (WallMinutes / 60) : 0;

    public double SuccessesPerHour => WallMinutes > 0 ? Metrics.Successes / (WallMinutes / 60) : 0;

    /// <summary>How many times faster than <paramref name="sequential"/> (the same policy with one slot) on the wall clock.</summary>
    public double SpeedUpOver(ParallelSweepRow sequential)
    {
        ArgumentNullException.ThrowIfNull(sequential);
        return WallMinutes > 0 ? sequential.WallMinutes / WallMinutes : 0;
    }
}
