using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DrainFunctions.Core.Phases;

/// <summary>
/// The id of a phase attempt, a pure function of what the drain knows when it picks the phase.
/// It must not come from the orchestration's clock (<c>NewGuid</c> does): when a host dies after an
/// episode sent its activity message but before its history was written, the episode runs again
/// at a later time, and a clock-derived id would make the executor's second delivery a new attempt
/// that starts the phase again once the first one ended. With this id the second delivery finds
/// the first one's marker and adopts it.
/// </summary>
public static class AttemptIds
{
    /// <param name="drainToken">Unique per start or resume of a drain (its lock token), so a later drain of the same session never reuses an id.</param>
    /// <param name="sessionId">The session.</param>
    /// <param name="ordinal">How many attempts the session started before this one.</param>
    /// <param name="phaseKey"><c>run_id:phase_id</c>.</param>
    /// <returns>32 lowercase hex digits, the shape of the ids made before (a GUID's "N" format).</returns>
    public static string For(string drainToken, string sessionId, int ordinal, string phaseKey)
    {
        ArgumentNullException.ThrowIfNull(drainToken);
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(phaseKey);
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        var text = string.Join('\n', drainToken, sessionId, ordinal.ToString(CultureInfo.InvariantCulture), phaseKey);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
