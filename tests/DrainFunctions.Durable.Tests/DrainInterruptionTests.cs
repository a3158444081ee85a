using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Tests;

/// <summary>Timeouts, the budget and cancels: real processes killed, phases restored.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class DrainInterruptionTests
{
    /// <summary>An executor whose activity overstays its deadline, so that the durable timer must decide.</summary>
    private sealed class StubbornExecutor(ProcessExecutor inner) : IPhaseExecutor
    {
        public Task<ExecutorRun> RunAsync(ExecutorRequest request, CancellationToken stopToken) =>
            inner.RunAsync(request with { Deadline = request.Deadline.AddMinutes(10) }, stopToken);
    }

    private static async Task<int> WaitForPidAsync(TestBed bed, string phaseId)
    {
        for (var i = 0; i < 200; i++)
        {
            if (bed.PidOf(phaseId) is { } pid)
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the executor for {phaseId} never started");
    }

    private static DrainOrchestrationInput Input(DrainOptions options) => new() { Options = options, GraceSeconds = 1 };

    private static void AssertTimeout(DrainSession session, string key, int seconds)
    {
        var result = Assert.Single(session.Results, r => r.Key == key);
        Assert.Equal("TIMEOUT", result.FinalState);
        Assert.Equal(-1, result.SubprocessReturncode);
        Assert.Equal("timeout", result.ZeroYieldReason);
        Assert.Equal($"Phase execution timed out after {seconds} seconds", result.ErrorMessage);
        Assert.Equal("TIMEOUT|timeout|phase execution timed out after num seconds", result.FailureFingerprint);
    }

    [Fact]
    public async Task Drain_HangingExecutor_KilledAtDeadlineRecordedAsTimeoutAndRestored()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-1", 1);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 2 }));

        Assert.Equal(1, output.TotalTimeouts);
        Assert.Equal(2, output.TotalProcessed);
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("hang-1")!.Value, TimeSpan.FromSeconds(5)), "the hanging executor is still alive");
        Assert.StartsWith("FAILED|Phase execution timed out after 2 seconds", (await bed.AllStatesAsync())["run-a:hang-1"], StringComparison.Ordinal);
        var session = await bed.ReadSessionAsync(output.SessionId);
        AssertTimeout(session, "run-a:hang-1", 2);
        Assert.Equal(1, session.State.TotalTimeouts);
    }

    [Fact]
    public async Task Drain_ActivityOverstaysDeadline_DurableTimerDecidesTimeoutAndRestoreKills()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0);
        await using var host = await bed.StartHostAsync(services: s =>
            s.AddSingleton<IPhaseExecutor>(sp => new StubbornExecutor(ActivatorUtilities.CreateInstance<ProcessExecutor>(sp))));

        var started = DateTime.UtcNow;
        var (output, _) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 2 }));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(3), "the timer fired before deadline + grace");
        Assert.Equal(1, output.TotalTimeouts);
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("hang-1")!.Value, TimeSpan.FromSeconds(5)), "the hanging executor is still alive");
        Assert.Equal("FAILED", await bed.StateOfAsync("run-a", "hang-1"));
        AssertTimeout(await bed.ReadSessionAsync(output.SessionId), "run-a:hang-1", 2);
    }

    [Fact]
    public async Task Drain_BudgetPassesMidPhase_PhaseInterruptedRestoredAndTimeLimitLine()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0, reason: "Builder timed out after 900s");
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 60, MaxTotalMinutes = 0.05 }));

        Assert.Equal("TimeLimit", output.Stop);
        Assert.Equal(PolicyBookkeeper.TimeLimitLine(new DrainOptions { MaxTotalMinutes = 0.05 }), output.StopLine);
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("hang-1")!.Value, TimeSpan.FromSeconds(5)), "the executor outlived the budget");
        Assert.Equal("FAILED|Builder timed out after 900s", (await bed.AllStatesAsync())["run-a:hang-1"]);
        var session = await bed.ReadSessionAsync(output.SessionId);
        var result = Assert.Single(session.Results);
        Assert.Equal("budget", result.InterruptedBy);
        Assert.Equal("INTERRUPTED", result.FinalState);
        Assert.Null(result.FailureFingerprint);
        Assert.Equal(0, session.State.TotalTimeouts);
        Assert.Empty(session.State.FingerprintCounts);
        Assert.NotNull(session.CompletedAt);
        Assert.Contains("[TIME LIMIT]", metadata.ReadCustomStatusAs<DrainStatus>()!.Lines[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_BudgetAlreadySpent_StartsNoPhase()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await using var host = await bed.StartHostAsync();

        // Resumed after its budget: no phase may start.
        var store = new BlobSessionStore(new Azure.Storage.Blobs.BlobServiceClient(TestBed.AzuriteConnectionString), Options.Create(new SnapshotOptions { ContainerName = bed.ContainerName }));
        await store.SaveAsync(new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 5 }, null, 0);
        var input = Input(new DrainOptions { BatchSize = 5, MaxTotalMinutes = 1 }) with
        {
            SessionId = "batch-drain-20260101-000000",
            StartedAt = DateTimeOffset.UtcNow.AddMinutes(-2),
        };
        var (output, _) = await TestBed.RunAsync(host, input);

        Assert.Equal("TimeLimit", output.Stop);
        Assert.Equal(0, output.TotalProcessed);
        Assert.Null(bed.PidOf("ok-1"));
    }

    [Fact]
    public async Task Drain_CancelNow_StopsExecutorRestoresPhaseAndEnds()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0, reason: "ImportError: y");
        await bed.AddPhaseAsync("run-b", "ok-1", 1, reason: "Builder timed out after 900s");
        await using var host = await bed.StartHostAsync();
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), Input(new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 60 }));
        var pid = await WaitForPidAsync(bed, "hang-1");

        await host.Client.RaiseEventAsync(id, CancelRequest.EventName, new CancelRequest(CancelRequest.Now));
        var (output, _) = await TestBed.CompleteAsync(host, id, TimeSpan.FromSeconds(30));

        Assert.Equal("Cancelled", output.Stop);
        Assert.True(await TestBed.WaitGoneAsync(pid, TimeSpan.FromSeconds(5)), "the executor survived the cancel");
        Assert.Equal("FAILED|ImportError: y", (await bed.AllStatesAsync())["run-a:hang-1"]);
        Assert.Null(bed.PidOf("ok-1"));
        var result = Assert.Single((await bed.ReadSessionAsync(output.SessionId)).Results);
        Assert.Equal("cancel", result.InterruptedBy);
    }

    [Fact]
    public async Task Drain_CancelGraceful_FinishesCurrentPhaseThenStops()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "slow-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-1", 1, reason: "Builder timed out after 900s");
        await using var host = await bed.StartHostAsync();
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), Input(new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 60 }));
        await WaitForPidAsync(bed, "slow-1");

        await host.Client.RaiseEventAsync(id, CancelRequest.EventName, new CancelRequest(CancelRequest.Graceful));
        var (output, _) = await TestBed.CompleteAsync(host, id, TimeSpan.FromSeconds(30));

        Assert.Equal("Cancelled", output.Stop);
        Assert.Equal(1, output.TotalProcessed);
        Assert.Equal(1, output.TotalSuccess);
        Assert.Equal("COMPLETE", await bed.StateOfAsync("run-a", "slow-1"));
        Assert.Equal("FAILED", await bed.StateOfAsync("run-b", "ok-1"));
        Assert.Null(bed.PidOf("ok-1"));
    }
}
