namespace DrainFunctions.Simulation;

/// <summary>SplitMix64: stable seeds for per-phase streams (never HashCode, which varies per process).</summary>
public static class SeedMix
{
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a + (0x9E3779B97F4A7C15UL * (b + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static int ToInt(ulong value) => (int)(value & 0x7FFFFFFF);
}
