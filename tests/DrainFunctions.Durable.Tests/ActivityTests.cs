using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

[Collection(DurableSerialGroup.Name)]
public sealed class ActivityTests
{
    private sealed class FakeActivityContext(string name) : TaskActivityContext
    {
        public override TaskName Name => name;

        public override string InstanceId => "test-instance";
    }

    private static RunPhaseExecutorInput Input(string phaseId, string attemptId, int timeoutSeconds = 30) => new()
    {
        SessionId = "batch-drain-20260101-000000",
        AttemptId = attemptId,
        Phase = new PhaseCandidate("run-a", phaseId, 0, null),
        Deadline = DateTimeOffset.UtcNow.AddSeconds(timeoutSeconds),
        TimeoutSeconds = timeoutSeconds,
    };

    private static SettlePhaseOutcomeInput Settle(string phaseId, string attemptId, bool wait = true) => new()
    {
        SessionId = "batch-drain-20260101-000000",
        AttemptId = attemptId,
        RunId = "run-a",
        PhaseId = phaseId,
        WaitForSettle = wait,
        RestoreReason = "restored by the test",
    };

    [Fact]
    public async Task RunPhaseExecutor_CompletingExecutor_ReportsSettledStateAndLogs()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await using var services = bed.BuildServices();
        var activity = ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services);

        var output = await activity.RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("ok-1", "a1"));

        // The run reports how the process ended; the settled state comes from SettlePhaseOutcome.
        Assert.Equal(PhaseRunStatus.Completed, output.Status);
        var settled = await ActivatorUtilities.CreateInstance<SettlePhaseOutcome>(services)
            .RunAsync(new FakeActivityContext(nameof(SettlePhaseOutcome)), Settle("ok-1", "a1"));
        Assert.Equal("COMPLETE", settled.State);
        Assert.False(settled.Restored);
        Assert.Equal(0, output.ReturnCode);
        Assert.Contains("phase COMPLETE", output.StdoutExcerpt, StringComparison.Ordinal);
        Assert.Contains("phase COMPLETE", await bed.ReadBlobAsync(output.StdoutPath), StringComparison.Ordinal);
        Assert.Equal("COMPLETE", await bed.StateOfAsync("run-a", "ok-1"));
    }

    [Fact]
    public async Task RunPhaseExecutor_RedeliveredAttempt_AdoptsWithoutRunningTwiceAndSettlesFromTheDatabase()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "fail-1", 0, reason: "ImportError: x");
        await using var services = bed.BuildServices();
        var first = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services)
            .RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("fail-1", "same-attempt"));
        Assert.Equal(PhaseRunStatus.Completed, first.Status);
        var firstPid = bed.PidOf("fail-1");
        Assert.NotNull(firstPid);
        File.Delete(Path.Combine(bed.PidDirectory, "fail-1.pid"));

        // A host crash redelivers the same activity: the marker is found, nothing is started.
        await bed.AddPhaseAsync("run-a", "dummy", 1);
        var second = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services)
            .RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("fail-1", "same-attempt"));

        // Issue 19 item 3: the executor had finished; the phase's real state is the outcome, nothing is "restored".
        Assert.Equal(PhaseRunStatus.Adopted, second.Status);
        Assert.Equal(0, second.AdoptedProcesses);
        Assert.Null(second.ReturnCode);
        Assert.Null(bed.PidOf("fail-1"));
        Assert.Equal("FAILED", await bed.StateOfAsync("run-a", "fail-1"));
        Assert.NotNull(await bed.ReadBlobAsync(BlobSessionStore.AttemptBlobName("batch-drain-20260101-000000", "same-attempt")));
        var settled = await ActivatorUtilities.CreateInstance<SettlePhaseOutcome>(services)
            .RunAsync(new FakeActivityContext(nameof(SettlePhaseOutcome)), Settle("fail-1", "same-attempt"));
        Assert.Equal("FAILED", settled.State);
        Assert.False(settled.Restored);
        Assert.StartsWith("ImportError at line 12", settled.LastFailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunPhaseExecutor_DeliveredAgainAfterItStartedTheNextAttempt_GivesItsKeptAnswerAndStartsNothing()
    {
        // Issue 17: a call that records its attempt starts the next one itself, on an answer it keeps
        // in its marker first. Delivered again (its answer lost on the way to the orchestration), it
        // gives that answer again: the orchestration then takes over the attempt already started.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await using var services = bed.BuildServices();
        var attempts = services.GetRequiredService<AttemptRegistry>();
        const string session = "batch-drain-20260101-000000";
        var options = new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 60 };
        var plan = new InlineRecordPlan
        {
            Before = SelectNextPhaseInput.For(new PolicyState(), options, session, [], withSave: true),
            SessionStartedAt = DateTimeOffset.UtcNow,
            AttemptStartedAt = DateTimeOffset.UtcNow,
            PhaseTimeoutSeconds = 60,
            MayStartInGeneration = true,
            InstanceId = "test-instance",
            GraceSeconds = 15,
            NextOrdinal = 1,
        };
        var input = RunPhaseExecutorInput.For(session, "first", new PhaseCandidate("run-a", "ok-1", 0, null), DateTimeOffset.UtcNow.AddSeconds(60), TimeSpan.FromSeconds(15), 60, mayExtend: false, telemetryRunId: null, options.SlotFor(1)) with { Record = plan };

        var answered = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services).RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), input);
        var next = answered.Recorded?.Next;
        Assert.NotNull(next);
        Assert.Equal(plan.NextAttempt(new PhaseCandidate("run-b", "ok-2", 0, null), 1, next.Deadline).AttemptId, next.AttemptId);
        Assert.True(attempts.TryClaim(next.AttemptId, out var nextRun));
        Assert.Equal(PhaseRunStatus.Completed, (await nextRun).Status);
        Assert.Equal("COMPLETE", await bed.StateOfAsync("run-b", "ok-2"));
        File.Delete(Path.Combine(bed.PidDirectory, "ok-1.pid"));
        File.Delete(Path.Combine(bed.PidDirectory, "ok-2.pid"));

        var again = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services).RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), input);

        Assert.Equal(next, again.Recorded?.Next);
        Assert.Equal(answered.Recorded!.Result.AttemptId, again.Recorded!.Result.AttemptId);
        Assert.Equal(answered.Recorded.Save.Selection?.Selected, again.Recorded.Save.Selection?.Selected);
        Assert.Equal(PhaseRunStatus.Completed, again.Status);
        Assert.Null(bed.PidOf("ok-1"));
        Assert.Null(bed.PidOf("ok-2"));
        Assert.False(attempts.TryClaim(next.AttemptId, out _));
        var session1 = await bed.ReadSessionAsync(session);
        Assert.Equal("ok-1", Assert.Single(session1.Results).PhaseId);
    }

    [Fact]
    public async Task RunPhaseExecutor_MissingPhase_ReportsNotFound()
    {
        await using var bed = await TestBed.CreateAsync();
        await using var services = bed.BuildServices();
        var output = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services)
            .RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("ghost", "a2"));
        Assert.Equal(PhaseRunStatus.NotFound, output.Status);
        Assert.Null(bed.PidOf("ghost"));
    }

    [Fact]
    public async Task RunPhaseExecutor_PhaseNotFailed_ReportsRequeueConflictAndDoesNotRun()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0, state: "COMPLETE");
        await using var services = bed.BuildServices();
        var output = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services)
            .RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("ok-1", "a3"));
        Assert.Equal(PhaseRunStatus.RequeueConflict, output.Status);
        Assert.Equal("COMPLETE", output.CurrentState);
        Assert.Null(bed.PidOf("ok-1"));
    }

    [Fact]
    public async Task RunPhaseExecutor_HangingExecutor_KilledAtDeadlineAndRestored()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0);
        await using var services = bed.BuildServices();
        var output = await ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services)
            .RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), Input("hang-1", "a4", timeoutSeconds: 2));

        Assert.Equal(PhaseRunStatus.TimedOut, output.Status);
        Assert.InRange(output.DurationSeconds, 1, 10);
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("hang-1")!.Value, TimeSpan.FromSeconds(5)));
        Assert.Equal("FAILED", await bed.StateOfAsync("run-a", "hang-1"));
    }
}
