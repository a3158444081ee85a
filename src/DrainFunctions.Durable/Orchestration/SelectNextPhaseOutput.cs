using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Orchestration;

public sealed record SelectNextPhaseOutput
{
    public PhaseCandidate? Selected { get; init; }

    public List<string> Lines { get; init; } = [];

    public NoPickReason NoPick { get; init; }
}
