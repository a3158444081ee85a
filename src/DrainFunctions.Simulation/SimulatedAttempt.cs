using DrainFunctions.Core.Phases;

namespace DrainFunctions.Simulation;

/// <summary>An attempt the environment started: how it ends, and when on the simulated clock.</summary>
public sealed record SimulatedAttempt(PhaseAttemptOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset EndsAt);
