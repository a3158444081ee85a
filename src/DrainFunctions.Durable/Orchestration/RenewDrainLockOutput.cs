namespace DrainFunctions.Durable.Orchestration;

/// <summary>Held: the new expiry. Not held: who holds the lock now (another drain took it over).</summary>
public sealed record RenewDrainLockOutput(bool Held, DateTimeOffset? ExpiresAt, string? HeldBy);
