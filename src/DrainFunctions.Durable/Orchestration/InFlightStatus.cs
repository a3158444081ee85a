namespace DrainFunctions.Durable.Orchestration;

/// <summary>A phase in flight as the status shows it: its slot, <c>run_id:phase_id</c>, and when it started (elapsed is counted from it).</summary>
public sealed record InFlightStatus(int Slot, string Phase, DateTimeOffset StartedAt);
