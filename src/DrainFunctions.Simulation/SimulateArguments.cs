namespace DrainFunctions.Simulation;

/// <summary>What <c>drain simulate</c> was asked to do.</summary>
public sealed record SimulateArguments
{
    public int Seed { get; init; } = 42;

    public int Phases { get; init; } = 200;

    public int Runs { get; init; } = 12;

    public NatureShares Shares { get; init; } = new();

    public IReadOnlyList<string> FromSessions { get; init; } = [];

    public IReadOnlyList<string> Policies { get; init; } = [];

    public bool RunSingle { get; init; } = true;

    public bool RunSchedule { get; init; } = true;

    /// <summary>The parallel sweep: one drain per policy and K in <see cref="SweepSlots"/>.</summary>
    public bool RunParallelSweep { get; init; }

    /// <summary>The K values of the parallel sweep.</summary>
    public IReadOnlyList<int> SweepSlots { get; init; } = Simulator.DefaultSweepSlots;

    public int ScheduleDrains { get; init; } = 24;

    public int IntervalMinutes { get; init; } = 60;

    /// <summary>on, off or both.</summary>
    public string Ledger { get; init; } = "both";

    /// <summary>Whether the ledger stops a run whose failure came back in a later session.</summary>
    public bool LedgerRepeatStop { get; init; } = true;

    public PolicyOverrides Overrides { get; init; } = new();

    public bool Json { get; init; }

    public string? ChartPath { get; init; }
}
