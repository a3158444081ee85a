namespace DrainFunctions.Durable.Agents;

/// <summary>A queue message: which attempt marker to claim. The marker, not the message, is the truth.</summary>
public sealed record AgentWorkMessage(string SessionId, string AttemptId);
