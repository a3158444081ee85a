namespace DrainFunctions.Simulation;

/// <summary>When an attempt held its slot, on the simulated clock: what overlap and budget checks read.</summary>
public sealed record AttemptSpan(int Slot, string RunId, string Key, DateTimeOffset StartedAt, DateTimeOffset EndedAt);
