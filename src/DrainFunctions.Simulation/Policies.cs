using DrainFunctions.Core.Options;

namespace DrainFunctions.Simulation;

/// <summary>A named policy: drain options plus whether timeouts are deprioritized in the order.</summary>
public sealed record PolicyPreset(string Name, DrainOptions Options, bool DeprioritizeTimeouts, string Description)
{
    public const string V1 = "v1";
    public const string V2 = "v2";
    public const string HighThroughput = "high-throughput";
    public const string Conservative = "conservative";
    public const string Telemetry = "telemetry";

    /// <summary>v1.0: 30-minute fixed timeout, no stop conditions, plain phase_index order.</summary>
    public static PolicyPreset V1Preset { get; } = new(
        V1,
        new DrainOptions
        {
            PhaseTimeoutSeconds = 1800,
            MaxTimeoutsPerRun = int.MaxValue,
            MaxAttemptsPerPhase = int.MaxValue,
            MaxFingerprintRepeats = int.MaxValue,
        },
        DeprioritizeTimeouts: false,
        "1800 s timeout, no stop conditions, no timeout deprioritization");

    public static IReadOnlyList<PolicyPreset> All { get; } =
    [
        V1Preset,
        new(V2, new DrainOptions(), true, "seed defaults: 900 s, 2 timeouts/run, 2 attempts/phase, 3 repeats"),
        new(HighThroughput, new DrainOptions { PhaseTimeoutSeconds = 600, MaxTotalMinutes = 60, MaxTimeoutsPerRun = 1, MaxAttemptsPerPhase = 1 }, true, "600 s, 60 min total, 1 timeout/run, 1 attempt/phase"),
        new(Conservative, new DrainOptions { PhaseTimeoutSeconds = 1200, MaxTimeoutsPerRun = 3, MaxAttemptsPerPhase = 3, MaxFingerprintRepeats = 5 }, true, "1200 s, 3 timeouts/run, 3 attempts/phase, 5 repeats"),
        new(Telemetry, new DrainOptions { PhaseTimeoutSeconds = 1800, MaxTotalMinutes = 120 }, true, "1800 s, 120 min total, default stop conditions"),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(p => p.Name).ToList();

    public static PolicyPreset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
