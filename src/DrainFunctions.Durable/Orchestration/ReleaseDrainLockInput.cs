namespace DrainFunctions.Durable.Orchestration;

public sealed record ReleaseDrainLockInput(string Token);
