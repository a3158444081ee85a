namespace DrainFunctions.Durable.Orchestration;

public sealed record RestorePhaseOutput(bool Restored, bool ProcessStopped);
