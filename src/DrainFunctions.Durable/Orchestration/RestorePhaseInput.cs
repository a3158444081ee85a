namespace DrainFunctions.Durable.Orchestration;

public sealed record RestorePhaseInput(string SessionId, string? AttemptId, string RunId, string PhaseId, string Reason);
