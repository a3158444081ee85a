using DrainFunctions.Core.Phases;

namespace DrainFunctions.Simulation;

/// <summary>An attempt the environment started: how it ends, and when on the simulated clock.</summary>
public sealed record SimulatedAttempt(PhaseAttemptOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset EndsAt)
{
    /// <summary>Its deadline's extensions (<c>--extend-on-progress</c>), each printed as an [EXTEND] line when its look happens.</summary>
    public IReadOnlyList<PhaseExtension> Extensions { get; init; } = [];
}
