using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>
/// A finished drain's orchestration history leaves the task hub (issue 17): its session document
/// is the record, and a small instance record keeps what status, list and cancel showed. On the
/// real engine, Azurite and a SQLite file.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class DrainPurgeTests
{
    private static async Task<(string SessionId, string InstanceId)> DrainToEndAsync(AppBed bed, DrainService drains, int batchSize)
    {
        var started = await drains.StartAsync(new DrainOptions { BatchSize = batchSize, PhaseTimeoutSeconds = 120 });
        Assert.Equal(DrainStartStatus.Started, started.Status);
        await bed.WaitAsync(started.InstanceId!);
        return (started.SessionId!, started.InstanceId!);
    }

    [Fact]
    public async Task PurgeEndedAsync_CompletedDrain_InstanceGoneSessionIntactStatusUnchanged()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.Drains;
        var (sessionId, instanceId) = await DrainToEndAsync(bed, drains, 2);
        var before = await drains.StatusAsync(sessionId);
        var sessionBefore = await bed.Sessions.ReadTextAsync(BlobSessionStore.SessionBlobName(sessionId));

        var purged = await drains.PurgeEndedAsync(sessionId);

        Assert.Equal(1, purged);
        Assert.Null(await bed.Client.GetInstanceAsync(instanceId));
        Assert.Equal(sessionBefore, await bed.Sessions.ReadTextAsync(BlobSessionStore.SessionBlobName(sessionId)));
        Assert.NotNull((await bed.Sessions.LoadAsync(sessionId))?.CompletedAt);
        var after = await drains.StatusAsync(sessionId);
        Assert.Equal(
            (before!.InstanceId, before.Status, before.State, before.Progress?.Stop, before.Progress?.Lines.Count, before.Totals),
            (after!.InstanceId, after.Status, after.State, after.Progress?.Stop, after.Progress?.Lines.Count, after.Totals));
        Assert.Equal("completed", after.State);
        Assert.Equal(DrainCancelStatus.NotRunning, (await drains.CancelAsync(sessionId, now: false)).Status);
        Assert.Equal(0, await drains.PurgeEndedAsync(sessionId));
    }

    [Fact]
    public async Task ApiStart_DrainThatEndedUnwatched_PurgedBeforeTheNextStart()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.Drains;
        var (firstSession, firstInstance) = await DrainToEndAsync(bed, drains, 1);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // session ids name the start second

        var second = await bed.Api.StartAsync("""{"batchSize":1}""");

        Assert.Equal(202, second.Status);
        Assert.Null(await bed.Client.GetInstanceAsync(firstInstance));
        Assert.Equal("completed", (await drains.StatusAsync(firstSession))?.State);
        await bed.WaitAsync(System.Text.Json.JsonDocument.Parse(second.Body).RootElement.GetProperty("instanceId").GetString()!);
        Assert.Equal(2, (await drains.ListAsync(10)).Count(v => v.State == "completed"));
    }

    [Fact]
    public async Task TickAsync_PreviousScheduledDrainEnded_PurgedAndItsRecordKept()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Defaults = bed.Defaults with { BatchSize = 1 };
        var first = await bed.Timer.TickAsync();
        await bed.WaitAsync(DrainInstances.ScheduledInstanceId);
        await Task.Delay(TimeSpan.FromSeconds(1.1));

        var second = await bed.Timer.TickAsync();

        Assert.Equal(TickOutcome.Started, second.Outcome);
        Assert.NotEqual(first.SessionId, second.SessionId);
        var firstView = await bed.Drains.StatusAsync(first.SessionId!);
        Assert.Equal("completed", firstView?.State);
        Assert.Equal(DrainInstances.ScheduledInstanceId, firstView?.InstanceId);
        Assert.Equal(first.SessionId, firstView?.Progress?.SessionId);
        await bed.WaitAsync(DrainInstances.ScheduledInstanceId);
    }

    [Fact]
    public async Task GetInstanceOrRecordAsync_PurgedInstance_ReturnsItsRecordForASecondWatcher()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.Drains;
        var (sessionId, instanceId) = await DrainToEndAsync(bed, drains, 1);
        var live = await drains.GetInstanceOrRecordAsync(instanceId, null);
        await drains.PurgeEndedAsync();

        var record = await drains.GetInstanceOrRecordAsync(instanceId, null);

        Assert.NotNull(record);
        Assert.Equal((live!.InstanceId, live.RuntimeStatus, live.SerializedOutput, live.SerializedCustomStatus), (record!.InstanceId, record.RuntimeStatus, record.SerializedOutput, record.SerializedCustomStatus));
        Assert.Equal(sessionId, record.ReadOutputAs<DrainFunctions.Durable.Orchestration.DrainSummaryOutput>()?.SessionId);
        Assert.Null(await drains.GetInstanceOrRecordAsync(sessionId + "-resume-20990101000000", null));
    }

    [Fact]
    public async Task PurgeEndedAsync_LiveDrain_KeepsItsHistory()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var drains = bed.Drains;
        var started = await drains.StartAsync(new DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 120 });
        await bed.WaitForPhaseAsync(started.InstanceId!);

        Assert.Equal(0, await drains.PurgeEndedAsync(started.SessionId!));
        Assert.Equal(0, await drains.PurgeEndedAsync());

        Assert.NotNull(await bed.Client.GetInstanceAsync(started.InstanceId!));
        Assert.Equal(DrainCancelStatus.Sent, (await drains.CancelAsync(started.SessionId!, now: true)).Status);
        await bed.WaitAsync(started.InstanceId!);
        Assert.Equal(1, await drains.PurgeEndedAsync());
        Assert.Equal("cancelled", (await drains.StatusAsync(started.SessionId!))?.State);
    }

    [Fact]
    public async Task PurgeEndedAsync_EndedPreviewOrchestration_Purged()
    {
        await using var bed = await AppBed.StartAsync();
        var dry = await bed.Api.StartAsync("""{"dryRun":true,"batchSize":2}""");
        var previewId = System.Text.Json.JsonDocument.Parse(dry.Body).RootElement.GetProperty("instanceId").GetString()!;
        await bed.WaitAsync(previewId);

        Assert.Equal(1, await bed.Drains.PurgeEndedAsync());
        Assert.Null(await bed.Client.GetInstanceAsync(previewId));
    }
}
