using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Phases;

/// <summary>A phase being drained: the slot it holds (1-based), its pick ordinal in the session, and when it started.</summary>
public sealed record InFlightPhase(int Slot, PhaseCandidate Phase, int Ordinal, DateTimeOffset StartedAt);
