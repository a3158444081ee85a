using DrainFunctions.Core.Phases;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Durable.Tests;

public sealed class ExecutorReportsTests
{
    [Fact]
    public void End_EveryStatus_ItsOwnCoreEnd()
    {
        // Dispatched is not an end: the drain waits for the agents' word instead (AgentAttemptWait).
        var ends = Enum.GetValues<PhaseRunStatus>().Where(s => s != PhaseRunStatus.Dispatched).Select(ExecutorReports.End).ToList();

        Assert.Equal(ends.Count, ends.Distinct().Count());
        Assert.Equal(Enum.GetValues<ExecutorRunEnd>().Length, ends.Count);
        Assert.Equal(ExecutorRunEnd.Exited, ExecutorReports.End(PhaseRunStatus.Completed));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExecutorReports.End(PhaseRunStatus.Dispatched));
    }

    [Fact]
    public void From_EveryReportField_CopiedFromTheSameNamedOutputField()
    {
        var output = new RunPhaseExecutorOutput
        {
            Status = PhaseRunStatus.Adopted,
            InitialState = "QUEUED",
            CurrentState = "EXECUTING",
            ReturnCode = 3,
            DurationSeconds = 1.5,
            StdoutExcerpt = "out",
            StderrExcerpt = "err",
            StdoutPath = "out-path",
            StderrPath = "err-path",
            ReachedLlmBoundary = true,
            FailedBeforeLlm = true,
            Adopted = true,
            AdoptedProcesses = 2,
            NeverStarted = true,
            ElsewhereOn = "host-b",
        };

        var report = ExecutorReports.From(output);

        Assert.Equal(ExecutorRunEnd.Adopted, report.End);
        foreach (var property in typeof(ExecutorReport).GetProperties().Where(p => p.Name != nameof(ExecutorReport.End)))
        {
            var source = typeof(RunPhaseExecutorOutput).GetProperty(property.Name);
            Assert.NotNull(source);
            Assert.Equal(source.GetValue(output), property.GetValue(report));
        }
    }
}
