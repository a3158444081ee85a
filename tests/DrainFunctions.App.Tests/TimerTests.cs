using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

[Collection(SerialGroup.Name)]
public sealed class TimerTests
{
    private static async Task<int> LiveDrainsAsync(AppBed bed)
    {
        var n = 0;
        await foreach (var i in bed.Client.GetAllInstancesAsync(new OrchestrationQuery
        {
            Statuses = [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending],
        }))
        {
            if (i.Name == nameof(DrainOrchestrator))
            {
                n++;
            }
        }

        return n;
    }

    [Fact]
    public async Task TickAsync_TwoTicks_StartsOneDrain()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var timer = bed.Timer;
        var first = await timer.TickAsync();
        Assert.Equal(TickOutcome.Started, first.Outcome);
        await bed.WaitForPhaseAsync(DrainInstances.ScheduledInstanceId);
        var second = await timer.TickAsync();
        Assert.Equal(TickOutcome.SkippedScheduledRunning, second.Outcome);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal(1, await LiveDrainsAsync(bed));

        // A manual start meets the scheduled drain: 409.
        Assert.Equal(409, (await bed.Api.StartAsync("{}")).Status);
        Assert.Equal(202, (await bed.Api.CancelAsync(first.SessionId!, "now")).Status);
        await bed.WaitAsync(DrainInstances.ScheduledInstanceId);

        // Finished: the next tick reuses the fixed id.
        bed.Hang(false);
        var third = await timer.TickAsync();
        Assert.Equal(TickOutcome.Started, third.Outcome);
        var done = await bed.WaitAsync(DrainInstances.ScheduledInstanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(TickOutcome.Disabled, (await timer.TickAsync(enabled: false)).Outcome);
    }

    [Fact]
    public async Task TickAsync_ManualDrainRunning_Skips()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var manual = await bed.Api.StartAsync("{}");
        Assert.Equal(202, manual.Status);
        var sessionId = System.Text.Json.JsonDocument.Parse(manual.Body).RootElement.GetProperty("sessionId").GetString()!;
        await bed.WaitForPhaseAsync(sessionId);
        var ticks = await Task.WhenAll(bed.Timer.TickAsync(), bed.Timer.TickAsync());
        Assert.All(ticks, t => Assert.Equal(TickOutcome.SkippedManualRunning, t.Outcome));
        Assert.Equal(1, await LiveDrainsAsync(bed));
        await bed.Api.CancelAsync(sessionId, "now");
        await bed.WaitAsync(sessionId);
    }
}
