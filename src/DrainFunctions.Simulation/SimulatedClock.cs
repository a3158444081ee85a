namespace DrainFunctions.Simulation;

/// <summary>A clock that only moves when told to.</summary>
public sealed class SimulatedClock(DateTimeOffset start)
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; private set; } = start;

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Now += by;
    }

    public void AdvanceTo(DateTimeOffset instant)
    {
        if (instant > Now)
        {
            Now = instant;
        }
    }
}
