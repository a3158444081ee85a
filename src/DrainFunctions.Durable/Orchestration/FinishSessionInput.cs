namespace DrainFunctions.Durable.Orchestration;

public sealed record FinishSessionInput(string SessionId, string CompletedAt);
