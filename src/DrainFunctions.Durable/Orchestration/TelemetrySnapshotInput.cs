namespace DrainFunctions.Durable.Orchestration;

public sealed record TelemetrySnapshotInput(string? RunId);
