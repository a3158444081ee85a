namespace DrainFunctions.Durable.Orchestration;

/// <summary>Renew the database's drain lock held with <paramref name="Token"/> for <paramref name="TtlSeconds"/>.</summary>
public sealed record RenewDrainLockInput(string Token, string SessionId, string InstanceId, double TtlSeconds);

/// <summary>Held: the new expiry. Not held: who holds the lock now (another drain took it over).</summary>
public sealed record RenewDrainLockOutput(bool Held, DateTimeOffset? ExpiresAt, string? HeldBy);

public sealed record ReleaseDrainLockInput(string Token);

public sealed record ReleaseDrainLockOutput(bool Released);
