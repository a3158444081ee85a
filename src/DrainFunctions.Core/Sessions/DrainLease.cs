using DrainFunctions.Core.Options;

namespace DrainFunctions.Core.Sessions;

/// <summary>
/// How long a drain's hold on its database lasts and when it is renewed. The orchestration renews
/// between phases only, so a hold must outlast the longest phase (its timeout plus the timer's
/// grace) with room to spare; a drain whose host died is taken over once its hold runs out.
/// </summary>
public static class DrainLease
{
    private const double SpareSeconds = 600;

    /// <summary>
    /// The hold a starter takes: short, because the orchestration renews it before its first pick;
    /// a starter killed before its orchestration ran does not lock the database for long.
    /// </summary>
    public static readonly TimeSpan StartHold = TimeSpan.FromMinutes(3);
    private const double RenewMarginSeconds = 300;

    public static TimeSpan Ttl(DrainOptions options, int graceSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TimeSpan.FromSeconds((2.0 * ((double)options.PhaseTimeoutSeconds + Math.Max(0, graceSeconds))) + SpareSeconds);
    }

    /// <summary>Whether the hold must be renewed before the next phase starts.</summary>
    public static bool NeedsRenewal(DateTimeOffset now, DateTimeOffset? expiresAt, DrainOptions options, int graceSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        return expiresAt is not { } expiry
            || (expiry - now).TotalSeconds < (double)options.PhaseTimeoutSeconds + Math.Max(0, graceSeconds) + RenewMarginSeconds;
    }
}
