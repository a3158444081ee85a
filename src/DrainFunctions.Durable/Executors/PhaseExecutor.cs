namespace DrainFunctions.Durable.Executors;

/// <summary>What to run: one phase, with an absolute deadline.</summary>
public sealed record ExecutorRequest(string SessionId, string RunId, string PhaseId, int PhaseIndex, DateTimeOffset Deadline, string? ApiUrl)
{
    /// <summary>Tags and contains every process of the run (a new id when null).</summary>
    public string? AttemptId { get; init; }

    /// <summary>The slot that runs the phase (1-based; <c>{slot}</c>).</summary>
    public int Slot { get; init; } = 1;

    /// <summary>The slot's working directory (<c>{workspace}</c>); null: the executor's own.</summary>
    public string? Workspace { get; init; }

    /// <summary>The W3C trace context the executor runs in, given to it as <c>TRACEPARENT</c>; null: none.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Called once the main process runs (pid and start time), beside the run: e.g. to record them in the attempt marker.</summary>
    public Func<AttemptProcess, Task>? OnStarted { get; init; }

    /// <summary>
    /// Asked when the deadline (the first argument) comes, before anything is killed, whether the
    /// drain moved it on (<c>--extend-on-progress</c>); with true as the second argument the
    /// executor gives up waiting for the drain's look, which keeps the deadline unless the look
    /// moved it meanwhile. Null: the deadline never moves.
    /// </summary>
    public Func<DateTimeOffset, bool, CancellationToken, Task<DeadlineVerdict>>? ReadDeadline { get; init; }

    /// <summary>How long past an undecided deadline the executor waits for the drain's look.</summary>
    public TimeSpan DeadlinePatience { get; init; }
}

/// <summary>How the executor ended. Excerpts are the first 500 code points of each stream.</summary>
public sealed record ExecutorRun
{
    public int? ReturnCode { get; init; }

    public bool TimedOut { get; init; }

    public bool Stopped { get; init; }

    public double DurationSeconds { get; init; }

    public string StdoutExcerpt { get; init; } = string.Empty;

    public string StderrExcerpt { get; init; } = string.Empty;

    public bool ReachedLlmBoundary { get; init; }

    public bool FailedBeforeLlm { get; init; }

    public string StdoutPath { get; init; } = string.Empty;

    public string StderrPath { get; init; } = string.Empty;

    public int? ProcessId { get; init; }

    /// <summary>Bytes the executor wrote to stdout and stderr together.</summary>
    public long OutputBytes { get; init; }
}

/// <summary>Runs Autopack's executor (or a stand-in) for one phase.</summary>
public interface IPhaseExecutor
{
    /// <summary>
    /// Runs until the executor exits, the request's deadline passes (the process tree is killed:
    /// <see cref="ExecutorRun.TimedOut"/>), or <paramref name="stopToken"/> fires (killed:
    /// <see cref="ExecutorRun.Stopped"/>).
    /// </summary>
    Task<ExecutorRun> RunAsync(ExecutorRequest request, CancellationToken stopToken);
}
