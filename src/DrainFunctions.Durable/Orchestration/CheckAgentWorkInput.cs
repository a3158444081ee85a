namespace DrainFunctions.Durable.Orchestration;

public sealed record CheckAgentWorkInput(string SessionId, string AttemptId);
