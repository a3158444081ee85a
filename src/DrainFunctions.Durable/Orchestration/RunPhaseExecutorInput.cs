using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Orchestration;

public sealed record RunPhaseExecutorInput
{
    public required string SessionId { get; init; }

    public required string AttemptId { get; init; }

    public required PhaseCandidate Phase { get; init; }

    /// <summary>Absolute instant at which the activity kills the executor itself.</summary>
    public required DateTimeOffset Deadline { get; init; }

    public int TimeoutSeconds { get; init; }

    public string? ApiUrl { get; init; }

    /// <summary>The slot that runs the phase (1-based; <c>{slot}</c>).</summary>
    public int Slot { get; init; } = 1;

    /// <summary>The slot's working directory (<c>{workspace}</c>); null: the executor's own.</summary>
    public string? Workspace { get; init; }
}
