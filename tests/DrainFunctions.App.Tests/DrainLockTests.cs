using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>
/// One drain per database as a lock, not a check: another holder (another process, task hub or
/// machine, stood in for by a second token on the same lock blob) is refused, an expired holder is
/// taken over, and a drain that lost its hold stops before its next pick.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class DrainLockTests
{
    private static JsonElement Json(ApiResult r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public async Task Start_DatabaseHeldByDrainElsewhere_Returns409NamingTheHolder()
    {
        await using var bed = await AppBed.StartAsync();
        var other = await bed.Locks.TryAcquireAsync(DrainLockStore.NewToken(), "batch-drain-20260101-000000", "elsewhere", TimeSpan.FromMinutes(5));
        Assert.True(other.Held);

        var refused = await bed.Api.StartAsync("{}");
        var timer = await bed.Timer.TickAsync();

        Assert.Equal(409, refused.Status);
        Assert.Contains("drain batch-drain-20260101-000000 holds database sqlite:///", Json(refused).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TickOutcome.SkippedLocked, timer.Outcome);
        Assert.Empty(await bed.Sessions.ListSessionsAsync());
        Assert.Equal(other.Holder!.Token, (await bed.Locks.ReadAsync())!.Token);
    }

    [Fact]
    public async Task Start_HolderDiedAndItsHoldRanOut_TakesOverAndReleasesAtTheEnd()
    {
        await using var bed = await AppBed.StartAsync();
        var dead = await bed.Locks.TryAcquireAsync(DrainLockStore.NewToken(), "batch-drain-20260101-000000", "gone", TimeSpan.FromSeconds(-1));
        Assert.True(dead.Held);

        var started = await bed.Api.StartAsync("""{"batchSize":1}""");

        Assert.Equal(202, started.Status);
        var sessionId = Json(started).GetProperty("sessionId").GetString()!;
        var holder = await bed.Locks.ReadAsync();
        Assert.NotEqual(dead.Holder!.Token, holder?.Token);
        var done = await bed.WaitAsync(sessionId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Null(await bed.Locks.ReadAsync());
    }

    [Fact]
    public async Task Start_TwoAtTheSameInstant_OneDrainsTheOtherIsRefused()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);

        var results = await Task.WhenAll(bed.Api.StartAsync("{}"), bed.Api.StartAsync("{}"));

        Assert.Equal([202, 409], results.Select(r => r.Status).Order());
        var sessionId = Json(results.Single(r => r.Status == 202)).GetProperty("sessionId").GetString()!;
        Assert.Equal([sessionId], (await bed.Sessions.ListSessionsAsync()).Select(s => s.SessionId));
        await bed.Api.CancelAsync(sessionId, "now");
        await bed.WaitAsync(sessionId);
    }

    [Fact]
    public async Task Launcher_SessionIdOfThisSecondTaken_ClaimsTheNextOneNeverOverwriting()
    {
        await using var bed = await AppBed.StartAsync();
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var taken = new Core.Sessions.DrainSession { SessionId = "batch-drain-20261129-120000", StartedAt = "2026-11-29T12:00:00+00:00", BatchSize = 77 };
        Assert.True(await bed.Sessions.TryReserveAsync(taken));
        Assert.False(await bed.Sessions.TryReserveAsync(taken));

        var launch = await new DrainLauncher(bed.Client, bed.Sessions, bed.Locks, clock).StartAsync(new DrainOptions { BatchSize = 1 });

        Assert.Equal("batch-drain-20261129-120001", launch.SessionId);
        Assert.Equal(77, (await bed.Sessions.LoadAsync(taken.SessionId))!.BatchSize);
        await bed.WaitAsync(launch.InstanceId!);
    }

    [Fact]
    public async Task StartAsync_InstanceInTheHubNamedAsThisSecondsSession_GivesThatClaimBackAndStartsUnderTheNextId()
    {
        await using var bed = await AppBed.StartAsync();
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        await bed.Client.ScheduleNewOrchestrationInstanceAsync("NotADrain", input: null, new StartOrchestrationOptions("batch-drain-20261129-120000"));

        // The id is claimed (and the first save made) before the check answers; the check wins.
        var started = await bed.DrainsAt(clock).StartAsync(new DrainOptions { BatchSize = 1 });

        Assert.Equal(DrainStartStatus.Started, started.Status);
        Assert.Equal("batch-drain-20261129-120001", started.SessionId);
        Assert.Equal(["batch-drain-20261129-120001"], (await bed.Sessions.ListSessionsAsync()).Select(s => s.SessionId));
        await bed.WaitAsync(started.InstanceId!);
    }

    [Fact]
    public async Task Drain_HoldTakenOverByAnotherDrain_StopsBeforeItsNextPick()
    {
        await using var bed = await AppBed.StartAsync();
        await bed.Locks.TryAcquireAsync(DrainLockStore.NewToken(), "batch-drain-20260101-000000", "elsewhere", TimeSpan.FromMinutes(5));
        var input = new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 3 }, LockToken = DrainLockStore.NewToken() };

        var id = await bed.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input);
        var done = await bed.WaitAsync(id);

        var output = done.ReadOutputAs<DrainSummaryOutput>()!;
        Assert.Equal("LockLost", output.Stop);
        Assert.Equal(0, output.TotalProcessed);
        Assert.StartsWith("\n[LOCK] drain batch-drain-20260101-000000 holds database", output.StopLine, StringComparison.Ordinal);
        Assert.Equal("batch-drain-20260101-000000", (await bed.Locks.ReadAsync())!.SessionId);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
