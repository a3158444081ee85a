using DrainFunctions.Core.Selection;

namespace DrainFunctions.Simulation;

/// <summary>A phase of the model: its candidate row plus how it behaves on each attempt.</summary>
public sealed class ModelPhase
{
    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    public required int PhaseIndex { get; init; }

    public required PhaseNature Nature { get; init; }

    /// <summary>last_failure_reason before the first simulated attempt.</summary>
    public string? InitialFailureReason { get; init; }

    /// <summary>Seed of this phase's own random stream (attempt n draws from it and n only).</summary>
    public ulong StreamSeed { get; init; }

    /// <summary>Run-wide failure mode for deterministic phases (kind and symbol).</summary>
    public FailureMode? Mode { get; init; }

    /// <summary>For <see cref="PhaseNature.Observed"/>: the attempts seen, replayed in a cycle.</summary>
    public IReadOnlyList<AttemptBehaviour> Observations { get; init; } = [];

    public string Key => PhaseKey.Of(RunId, PhaseId);
}
