using System.Globalization;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Phases;

/// <summary>The failure reason the drain writes when it puts a phase back to FAILED.</summary>
public static class RestoreReasons
{
    public static string Timeout(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Phase execution timed out after {seconds} seconds (batch drain)");

    /// <summary>Interrupted attempts keep the phase's own reason, so that its category does not change.</summary>
    public static string Original(PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        return phase.LastFailureReason ?? string.Empty;
    }

    /// <summary>The reason for a phase whose attempt ended as <paramref name="race"/> says.</summary>
    public static string For(PhaseRaceEnd race, PhaseCandidate phase, int timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(race);
        return race.TimedOut ? Timeout(timeoutSeconds) : Original(phase);
    }
}
