using System.Text;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Tests;

/// <summary>The one rule of what counts as a running drain, and how a drain's state reads (issue 12).</summary>
public sealed class DrainRulesTests
{
    private const string Drain = nameof(DrainOrchestrator);

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Running, true)]
    [InlineData(OrchestrationRuntimeStatus.Pending, true)]
    [InlineData(OrchestrationRuntimeStatus.Suspended, true)]
    [InlineData(OrchestrationRuntimeStatus.Completed, false)]
    [InlineData(OrchestrationRuntimeStatus.Failed, false)]
    [InlineData(OrchestrationRuntimeStatus.Terminated, false)]
    public void IsLiveDrain_ByStatus_SuspendedCountsAsLive(OrchestrationRuntimeStatus status, bool live) =>
        Assert.Equal(live, DrainRules.IsLiveDrain(Drain, "batch-drain-20260101-000000", status, dryRun: false));

    [Theory]
    [InlineData("preview-0123456789abcdef", false)]
    [InlineData("batch-drain-20260101-000000", true)]
    [InlineData("batch-drain-20260101-000000-resume-20260101010101", true)]
    [InlineData("scheduled-drain", true)]
    public void IsLiveDrain_ByInstanceId_PreviewsAreNotDrains(string instanceId, bool live) =>
        Assert.Equal(live, DrainRules.IsLiveDrain(Drain, instanceId, OrchestrationRuntimeStatus.Running, dryRun: false));

    [Fact]
    public void IsLiveDrain_DryRunInputUnderAnyId_IsNotADrain()
    {
        Assert.False(DrainRules.IsLiveDrain(Drain, "0f3c2b1a", OrchestrationRuntimeStatus.Running, dryRun: true));
        Assert.True(DrainRules.IsLiveDrain(Drain, "0f3c2b1a", OrchestrationRuntimeStatus.Running, dryRun: null));
    }

    [Fact]
    public void IsLiveDrain_OtherOrchestration_IsNotADrain() =>
        Assert.False(DrainRules.IsLiveDrain("SomethingElse", "batch-drain-20260101-000000", OrchestrationRuntimeStatus.Running, dryRun: false));

    [Theory]
    [InlineData(OrchestrationRuntimeStatus.Running, null, null, "running")]
    [InlineData(OrchestrationRuntimeStatus.Pending, false, null, "pending")]
    [InlineData(OrchestrationRuntimeStatus.Suspended, false, null, "suspended")]
    [InlineData(OrchestrationRuntimeStatus.Completed, true, "BatchComplete", "completed")]
    [InlineData(OrchestrationRuntimeStatus.Completed, true, "Cancelled", "cancelled")]
    [InlineData(OrchestrationRuntimeStatus.Failed, false, null, "failed")]
    [InlineData(OrchestrationRuntimeStatus.Terminated, false, null, "terminated")]
    [InlineData(OrchestrationRuntimeStatus.Terminated, true, null, "completed")]
    [InlineData(null, false, null, "incomplete")]
    [InlineData(null, true, null, "completed")]
    public void StateOf_InstanceSessionAndStop_ReadsAsOneWord(OrchestrationRuntimeStatus? runtime, bool? complete, string? stop, string expected) =>
        Assert.Equal(expected, DrainRules.StateOf(runtime, complete, stop));

    [Fact]
    public void ResumeInstanceId_SessionAndTime_IsFoundAsTheSessionsInstance()
    {
        var id = DrainRules.ResumeInstanceId("batch-drain-20260101-000000", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)));

        Assert.Equal("batch-drain-20260101-000000-resume-20260102010405", id);
        Assert.True(DrainRules.RunsSession(id, "batch-drain-20260101-000000"));
        Assert.False(DrainRules.RunsSession(id, "batch-drain-20260101-00000"));
    }

    [Theory]
    [InlineData("plain ascii", 0, 12)]
    [InlineData("é", 1, 1)]
    [InlineData("€", 1, 1)]
    [InlineData("€", 2, 1)]
    [InlineData("𝟙", 1, 1)]
    [InlineData("𝟙", 3, 1)]
    [InlineData("ab𝟙", 2, 3)]
    [InlineData("ab𝟙", 0, 7)]
    public void CompleteLength_CutInsideACharacter_LeavesItForTheNextRead(string text, int cutBytes, int expected)
    {
        var bytes = Encoding.UTF8.GetBytes("x" + text);

        Assert.Equal(expected, Utf8Cut.CompleteLength(bytes.AsSpan(0, bytes.Length - cutBytes)));
    }

    [Fact]
    public void CompleteLength_WholeAndInvalidBytes_CountAsComplete()
    {
        Assert.Equal(4, Utf8Cut.CompleteLength("a€"u8.ToArray().AsSpan(0, 4)));
        Assert.Equal(1, Utf8Cut.CompleteLength("a€"u8.ToArray().AsSpan(0, 3)));
        Assert.Equal(2, Utf8Cut.CompleteLength(new byte[] { 0x61, 0xFF }));
        Assert.Equal(0, Utf8Cut.CompleteLength([]));
    }
}
