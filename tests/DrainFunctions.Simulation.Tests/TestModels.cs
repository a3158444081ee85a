using DrainFunctions.Simulation;

namespace DrainFunctions.Simulation.Tests;

internal static class TestModels
{
    public static ModelPhase Phase(string run, int index, PhaseNature nature, string? reason = null, FailureKind kind = FailureKind.Import) => new()
    {
        RunId = run,
        PhaseId = $"phase-{index:D2}",
        PhaseIndex = index,
        Nature = nature,
        InitialFailureReason = reason,
        StreamSeed = SeedMix.Mix(7, (ulong)index + ((ulong)run.Length << 20)),
        Mode = nature == PhaseNature.Deterministic ? new FailureMode(kind, "sym_" + run, 0) : null,
    };

    public static BacklogModel Of(params ModelPhase[] phases) => new() { Phases = phases, Source = "test", Seed = 7 };

    public static string Json(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = SimulateCommand.Run(args, stdout, stderr);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        return stdout.ToString();
    }
}
