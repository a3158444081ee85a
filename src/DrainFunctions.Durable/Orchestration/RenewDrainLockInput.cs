namespace DrainFunctions.Durable.Orchestration;

/// <summary>Renew the database's drain lock held with <paramref name="Token"/> for <paramref name="TtlSeconds"/>.</summary>
public sealed record RenewDrainLockInput(string Token, string SessionId, string InstanceId, double TtlSeconds);
