namespace DrainFunctions.Durable.Agents;

/// <summary><c>POST /api/agents/work/{session}/{attempt}/result</c>: how the agent's run of a phase ended.</summary>
public sealed record AgentRunReport
{
    public string Agent { get; init; } = string.Empty;

    public int? ReturnCode { get; init; }

    public bool TimedOut { get; init; }

    public bool Stopped { get; init; }

    public double DurationSeconds { get; init; }

    public string StdoutExcerpt { get; init; } = string.Empty;

    public string StderrExcerpt { get; init; } = string.Empty;

    public bool ReachedLlmBoundary { get; init; }

    public bool FailedBeforeLlm { get; init; }

    public int? ProcessId { get; init; }

    public long OutputBytes { get; init; }
}
