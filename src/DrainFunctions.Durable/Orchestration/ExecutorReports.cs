using DrainFunctions.Core.Phases;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>The executor activity's output in Core's terms, for the decisions of <see cref="PhaseResults"/>.</summary>
internal static class ExecutorReports
{
    public static ExecutorReport From(RunPhaseExecutorOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return new ExecutorReport
        {
            End = End(output.Status),
            InitialState = output.InitialState,
            CurrentState = output.CurrentState,
            ReturnCode = output.ReturnCode,
            DurationSeconds = output.DurationSeconds,
            StdoutExcerpt = output.StdoutExcerpt,
            StderrExcerpt = output.StderrExcerpt,
            StdoutPath = output.StdoutPath,
            StderrPath = output.StderrPath,
            ReachedLlmBoundary = output.ReachedLlmBoundary,
            FailedBeforeLlm = output.FailedBeforeLlm,
            Adopted = output.Adopted,
            AdoptedProcesses = output.AdoptedProcesses,
            NeverStarted = output.NeverStarted,
            ElsewhereOn = output.ElsewhereOn,
        };
    }

    public static ExecutorRunEnd End(PhaseRunStatus status) => status switch
    {
        PhaseRunStatus.Completed => ExecutorRunEnd.Exited,
        PhaseRunStatus.TimedOut => ExecutorRunEnd.TimedOut,
        PhaseRunStatus.NotFound => ExecutorRunEnd.NotFound,
        PhaseRunStatus.RequeueConflict => ExecutorRunEnd.RequeueConflict,
        PhaseRunStatus.Adopted => ExecutorRunEnd.Adopted,
        PhaseRunStatus.Stopped => ExecutorRunEnd.Stopped,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "an executor status without a Core counterpart"),
    };
}
