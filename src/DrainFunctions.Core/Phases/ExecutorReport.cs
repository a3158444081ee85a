namespace DrainFunctions.Core.Phases;

/// <summary>What the executor's side reported about one attempt (excerpts only; the markers were looked for in the full output).</summary>
public sealed record ExecutorReport
{
    public ExecutorRunEnd End { get; init; }

    /// <summary>The phase's state when the attempt took it (FAILED unless something else had it).</summary>
    public string InitialState { get; init; } = string.Empty;

    /// <summary>The phase's state when it could not be re-queued.</summary>
    public string? CurrentState { get; init; }

    public int? ReturnCode { get; init; }

    public double DurationSeconds { get; init; }

    public string StdoutExcerpt { get; init; } = string.Empty;

    public string StderrExcerpt { get; init; } = string.Empty;

    public string StdoutPath { get; init; } = string.Empty;

    public string StderrPath { get; init; } = string.Empty;

    public bool ReachedLlmBoundary { get; init; }

    public bool FailedBeforeLlm { get; init; }

    /// <summary>An attempt a lost call had started was found again.</summary>
    public bool Adopted { get; init; }

    /// <summary>Adopted: how many of the attempt's processes were still running.</summary>
    public int AdoptedProcesses { get; init; }

    /// <summary>Adopted: the earlier call stopped before it started the executor.</summary>
    public bool NeverStarted { get; init; }

    /// <summary>Adopted: the machine the attempt ran on, when not this one.</summary>
    public string? ElsewhereOn { get; init; }
}
