using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Phases;

/// <summary>Whether the drain loop stops here, and the line it prints when it does (null: none).</summary>
public readonly record struct StopDecision(SessionStop Stop, string? Line = null)
{
    public static StopDecision GoOn => default;

    public bool Stops => Stop != SessionStop.None;
}
