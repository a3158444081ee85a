namespace DrainFunctions.Durable.Orchestration;

/// <summary>A drain's first attempt as its starter started it: its id and the deadline it runs to.</summary>
public sealed record PrestartedAttempt(string AttemptId, DateTimeOffset Deadline);
