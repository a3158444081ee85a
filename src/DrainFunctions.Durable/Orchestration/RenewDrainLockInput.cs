using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>Renew the database's drain lock held with <paramref name="Token"/> for <paramref name="TtlSeconds"/>.</summary>
public sealed record RenewDrainLockInput(string Token, string SessionId, string InstanceId, double TtlSeconds)
{
    /// <summary>
    /// The renewal a drain makes before its next pick when the hold runs short
    /// (<see cref="DrainLease.NeedsRenewal"/>); null when none is due or there is no lock (a dry run).
    /// </summary>
    public static RenewDrainLockInput? WhenDue(DrainOptions options, string? token, string sessionId, string instanceId, DateTimeOffset now, DateTimeOffset? expiresAt, int graceSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DryRun || token is null || !DrainLease.NeedsRenewal(now, expiresAt, options, graceSeconds)
            ? null
            : new RenewDrainLockInput(token, sessionId, instanceId, DrainLease.Ttl(options, graceSeconds).TotalSeconds);
    }
}
