using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Phases;

/// <summary>What one phase attempt hands back to the drain loop: its result and the event that ended it.</summary>
public sealed record PhaseAttemptOutcome(DrainResult Result, PhaseRaceWinner Winner);
