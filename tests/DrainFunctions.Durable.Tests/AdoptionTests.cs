using System.Diagnostics;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

/// <summary>
/// Issue 19 items 1 and 3 at the activity level: a delivery of an attempt that already started
/// never starts the executor again; it adopts what runs (waits, up to the deadline, then kills),
/// and the phase's real state decides. Real processes, real Azurite, real SQLite.
/// </summary>
[Collection(DurableSerialGroup.Name)]
public sealed class AdoptionTests
{
    private const string Session = "batch-drain-20260101-000000";

    private sealed class FakeActivityContext(string name) : TaskActivityContext
    {
        public override TaskName Name => name;

        public override string InstanceId => "test-instance";
    }

    private static RunPhaseExecutorInput Input(string phaseId, string attemptId, int timeoutSeconds = 30) => new()
    {
        SessionId = Session,
        AttemptId = attemptId,
        Phase = new PhaseCandidate("run-a", phaseId, 0, "ImportError: before"),
        Deadline = DateTimeOffset.UtcNow.AddSeconds(timeoutSeconds),
        TimeoutSeconds = timeoutSeconds,
    };

    private static Task<RunPhaseExecutorOutput> RunAsync(ServiceProvider services, RunPhaseExecutorInput input) =>
        ActivatorUtilities.CreateInstance<RunPhaseExecutor>(services).RunAsync(new FakeActivityContext(nameof(RunPhaseExecutor)), input);

    private static Task<SettlePhaseOutcomeOutput> SettleAsync(ServiceProvider services, string phaseId, string attemptId, string reason = "ImportError: before") =>
        ActivatorUtilities.CreateInstance<SettlePhaseOutcome>(services).RunAsync(new FakeActivityContext(nameof(SettlePhaseOutcome)), new SettlePhaseOutcomeInput
        {
            SessionId = Session,
            AttemptId = attemptId,
            RunId = "run-a",
            PhaseId = phaseId,
            WaitForSettle = true,
            RestoreReason = reason,
        });

    /// <summary>The test bed's executor, but every start is appended to starts.log first.</summary>
    private static string CountingTemplate(TestBed bed) =>
        $"bash -c 'echo \"$2 $$\" >> \"$0/starts.log\"; exec bash \"$0/executor.sh\" \"$1\" \"$2\"' '{bed.Directory}' {{run_id}} {{phase_id}}";

    private static async Task WaitForFileAsync(string path)
    {
        for (var i = 0; i < 300 && !File.Exists(path); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(path), $"{path} never appeared");
    }

    [Fact]
    public async Task RunPhaseExecutor_DeliveredToAnotherHostWhileRunning_AdoptsWaitsAndNeverStartsTwice()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "slow-1", 0, reason: "ImportError: before");
        await using var hostA = bed.BuildServices(o => o.CommandTemplate = CountingTemplate(bed));
        await using var hostB = bed.BuildServices(o => o.CommandTemplate = CountingTemplate(bed));
        var input = Input("slow-1", "attempt-b1");

        var first = RunAsync(hostA, input);
        await WaitForFileAsync(Path.Combine(bed.PidDirectory, "slow-1.pid"));
        var clock = Stopwatch.StartNew();
        var second = await RunAsync(hostB, input);
        clock.Stop();
        var original = await first;

        Assert.Equal(PhaseRunStatus.Completed, original.Status);
        Assert.Equal(PhaseRunStatus.Adopted, second.Status);
        Assert.True(second.AdoptedProcesses >= 1, "the running executor was not found");
        Assert.Null(second.ReturnCode);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), "the adopting call did not wait for the executor");
        Assert.Single(File.ReadAllLines(Path.Combine(bed.Directory, "starts.log")));
        var settled = await SettleAsync(hostB, "slow-1", "attempt-b1");
        Assert.Equal("COMPLETE", settled.State);
        Assert.False(settled.Restored);
    }

    [Fact]
    public async Task RunPhaseExecutor_DeliveredTwiceToTheSameHost_OneRunOneOutcome()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "slow-1", 0);
        await using var host = bed.BuildServices(o => o.CommandTemplate = CountingTemplate(bed));
        var input = Input("slow-1", "attempt-b2");

        var first = RunAsync(host, input);
        await WaitForFileAsync(Path.Combine(bed.PidDirectory, "slow-1.pid"));
        var second = await RunAsync(host, input);

        Assert.Equal(await first, second);
        Assert.Equal(PhaseRunStatus.Completed, second.Status);
        Assert.Single(File.ReadAllLines(Path.Combine(bed.Directory, "starts.log")));
    }

    /// <summary>
    /// What a killed host leaves: the attempt marked as started, its executor running in the
    /// attempt's cgroup with its tag, parent gone. Made with the same containment the executor uses.
    /// </summary>
    private static async Task<Process> StartOrphanAsync(TestBed bed, ServiceProvider services, RunPhaseExecutorInput input, string script)
    {
        var processes = services.GetRequiredService<AttemptProcesses>();
        var blobs = services.GetRequiredService<BlobSessionStore>();
        var info = new ProcessStartInfo("bash") { UseShellExecute = false };
        info.Environment["DATABASE_URL"] = bed.DatabaseUrl;
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        processes.Prepare(input.AttemptId, info);
        var process = Process.Start(info)!;
        Assert.True(await blobs.TryCreateAttemptAsync(new AttemptRecord
        {
            AttemptId = input.AttemptId,
            SessionId = Session,
            RunId = input.Phase.RunId,
            PhaseId = input.Phase.PhaseId,
            Stage = AttemptStages.Started,
            Deadline = input.Deadline,
            TimeoutSeconds = input.TimeoutSeconds,
            Machine = AttemptProcesses.MachineName,
            BootId = AttemptProcesses.BootId,
            Tag = AttemptProcesses.TagVariable + "=" + input.AttemptId,
            Cgroup = processes.CgroupOf(input.AttemptId),
            Pid = process.Id,
            PidStartTicks = AttemptProcesses.StartTicks(process.Id),
            StartedAt = DateTimeOffset.UtcNow,
        }));
        await using var store = await Data.BacklogStores.OpenAsync(bed.Url);
        Assert.Equal(Core.Ports.RequeueStatus.Requeued, (await store.TryRequeueAsync(input.Phase.RunId, input.Phase.PhaseId)).Status);
        return process;
    }

    [Fact]
    public async Task RunPhaseExecutor_AdoptedExecutorOutlivesItsDeadline_KilledThenTimedOutAndRestored()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0, reason: "ImportError: before");
        await using var services = bed.BuildServices();
        var input = Input("p1", "attempt-b3", timeoutSeconds: 3);
        using var orphan = await StartOrphanAsync(bed, services, input, "(setsid sleep 120 &); exec sleep 120");

        var output = await RunAsync(services, input);

        Assert.Equal(PhaseRunStatus.TimedOut, output.Status);
        Assert.True(output.Adopted);
        Assert.True(DateTimeOffset.UtcNow >= input.Deadline, "killed before its deadline");
        Assert.True(await TestBed.WaitGoneAsync(orphan.Id, TimeSpan.FromSeconds(2)));
        Assert.Empty(services.GetRequiredService<AttemptProcesses>().FindAlive(input.AttemptId));
        var settled = await SettleAsync(services, "p1", input.AttemptId, RestoreReasons.Timeout(3));
        Assert.True(settled.Restored);
        Assert.Equal("FAILED|Phase execution timed out after 3 seconds (batch drain)", (await bed.AllStatesAsync())["run-a:p1"]);
    }

    [Fact]
    public async Task RunPhaseExecutor_AdoptedExecutorCompletesInTime_AdoptedAndSettledComplete()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0, reason: "ImportError: before");
        await using var services = bed.BuildServices();
        var input = Input("p1", "attempt-b4", timeoutSeconds: 60);
        var complete = $"sleep 2; exec dotnet '{TestBed.DemoExecutorDll}' --run-id run-a --phase-id p1 --outcome complete --telemetry 1";
        using var orphan = await StartOrphanAsync(bed, services, input, complete);

        var output = await RunAsync(services, input);

        Assert.Equal(PhaseRunStatus.Adopted, output.Status);
        Assert.True(output.AdoptedProcesses >= 1, "the running executor was not found");
        var settled = await SettleAsync(services, "p1", input.AttemptId);
        Assert.Equal("COMPLETE", settled.State);
        Assert.False(settled.Restored);
        Assert.Equal("COMPLETE", await bed.StateOfAsync("run-a", "p1"));
    }

    [Fact]
    public async Task SettlePhaseOutcome_Repeated_ReturnsTheFirstDecisionNotTheDrainsOwnRestore()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0, reason: "ImportError: before");
        await using var services = bed.BuildServices();
        var input = Input("p1", "attempt-b5", timeoutSeconds: 60);
        using var orphan = await StartOrphanAsync(bed, services, input, "exit 0");
        await orphan.WaitForExitAsync();

        var first = await SettleAsync(services, "p1", input.AttemptId);
        var again = await SettleAsync(services, "p1", input.AttemptId);

        // The first settle restored the QUEUED phase; the second must not read FAILED as the executor's failure.
        Assert.True(first.Restored);
        Assert.Equal("QUEUED", first.State);
        Assert.Equal(first, again);
        Assert.Equal("FAILED|ImportError: before", (await bed.AllStatesAsync())["run-a:p1"]);
    }
}
