using DrainFunctions.Cli.Commands;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Cli.Tests;

/// <summary>Issue 19 item 4: "the drain orchestration ended as Failed: " never ends there.</summary>
public sealed class FailureTextTests
{
    [Fact]
    public void FailureText_FailureDetails_TheirMessage()
    {
        var failed = new OrchestrationMetadata("DrainOrchestrator", "i1")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Failed,
            FailureDetails = new TaskFailureDetails("DrainStoppedException", "Database postgresql://u:***@h/db is unavailable", null, null, null),
        };

        Assert.Equal("Database postgresql://u:***@h/db is unavailable", DrainCommand.FailureText(failed));
    }

    [Fact]
    public void FailureText_BackendKeptOnlyTheOutput_TheOutputText()
    {
        var failed = new OrchestrationMetadata("DrainOrchestrator", "i2")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Failed,
            SerializedOutput = "\"SaveSessionSnapshot failed: storage unreachable\"",
        };

        Assert.Equal("SaveSessionSnapshot failed: storage unreachable", DrainCommand.FailureText(failed));
    }

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Failed, "no reason was recorded")]
    [InlineData(OrchestrationRuntimeStatus.Terminated, "it was terminated from outside")]
    public void FailureText_NothingRecorded_SaysSoNeverEmpty(OrchestrationRuntimeStatus status, string expected)
    {
        var ended = new OrchestrationMetadata("DrainOrchestrator", "i3")
        {
            RuntimeStatus = status,
            FailureDetails = new TaskFailureDetails("X", " ", null, null, null),
        };

        Assert.Equal(expected, DrainCommand.FailureText(ended));
    }
}
