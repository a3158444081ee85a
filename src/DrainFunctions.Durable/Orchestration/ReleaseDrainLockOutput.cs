namespace DrainFunctions.Durable.Orchestration;

public sealed record ReleaseDrainLockOutput(bool Released);
