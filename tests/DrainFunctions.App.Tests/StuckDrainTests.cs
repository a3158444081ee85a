using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Api;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>
/// Issue 20 item 11: a suspended drain can be cancelled, and <c>cancel?mode=force</c> gets a drain
/// that does not stop out of the way (terminated, its phase restored, the lock released). Real
/// engine, Azurite, SQLite, a hanging executor.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class StuckDrainTests
{
    private static JsonElement Json(ApiResult r) => JsonDocument.Parse(r.Body).RootElement;

    private static async Task<(string SessionId, string Run, string Phase)> HangingDrainAsync(AppBed bed)
    {
        bed.Hang(true);
        var started = await bed.Api.StartAsync("""{"batchSize":2,"phaseTimeoutSeconds":300}""");
        Assert.Equal(202, started.Status);
        var sessionId = Json(started).GetProperty("sessionId").GetString()!;
        await bed.WaitForPhaseAsync(sessionId);
        var current = Json(await bed.Api.GetAsync(sessionId)).GetProperty("progress").GetProperty("currentPhase").GetString()!;
        var split = current.IndexOf(':', StringComparison.Ordinal);
        return (sessionId, current[..split], current[(split + 1)..]);
    }

    [Fact]
    public async Task CancelAsync_SuspendedDrain_ResumedAndStopsWithItsPhaseRestored()
    {
        await using var bed = await AppBed.StartAsync();
        var (sessionId, run, phase) = await HangingDrainAsync(bed);
        await bed.Client.SuspendInstanceAsync(sessionId, "suspended from the portal");
        await bed.WaitForStatusAsync(sessionId, OrchestrationRuntimeStatus.Suspended);
        var suspended = await bed.Api.GetAsync(sessionId);
        Assert.Equal((202, "Suspended"), (suspended.Status, Json(suspended).GetProperty("status").GetString()));

        var cancel = await bed.Api.CancelAsync(sessionId, "now");

        Assert.Equal(202, cancel.Status);
        var done = await bed.WaitAsync(sessionId, 60);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("cancelled", (await bed.Drains.StatusAsync(sessionId))?.State);
        Assert.Equal("FAILED", await bed.PhaseStateAsync(run, phase));
        Assert.Equal("cancel", (await bed.Sessions.LoadAsync(sessionId))!.Results.Single().InterruptedBy);
    }

    [Fact]
    public async Task CancelAsync_ForceOnASuspendedDrain_TerminatesRestoresThePhaseAndReleasesTheLock()
    {
        await using var bed = await AppBed.StartAsync();
        var (sessionId, run, phase) = await HangingDrainAsync(bed);
        Assert.Contains(await bed.PhaseStateAsync(run, phase), new[] { "QUEUED", "EXECUTING" });
        await bed.Client.SuspendInstanceAsync(sessionId, "stuck");
        await bed.WaitForStatusAsync(sessionId, OrchestrationRuntimeStatus.Suspended);
        Assert.Equal(409, (await bed.Api.StartAsync("{}")).Status);

        var forced = await bed.Api.CancelAsync(sessionId, "FORCE");

        Assert.Equal(200, forced.Status);
        Assert.Equal("force", Json(forced).GetProperty("mode").GetString());
        Assert.Equal([PhaseKey.Of(run, phase)], Json(forced).GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await bed.Client.GetInstanceAsync(sessionId))?.RuntimeStatus);
        Assert.Equal("FAILED", await bed.PhaseStateAsync(run, phase));
        Assert.Null(await bed.Locks.ReadAsync());
        var status = await bed.Api.GetAsync(sessionId);
        Assert.Equal((200, "Terminated"), (status.Status, Json(status).GetProperty("status").GetString()));
        Assert.Equal(409, (await bed.Api.CancelAsync(sessionId, "force")).Status);

        bed.Hang(false);
        var resumed = await bed.Api.ResumeAsync($$"""{"sessionId":"{{sessionId}}"}""");
        Assert.Equal(202, resumed.Status);
        await bed.WaitAsync(Json(resumed).GetProperty("instanceId").GetString()!);
        Assert.True((await bed.Sessions.LoadAsync(sessionId))!.IsComplete);
    }

    [Fact]
    public async Task CancelAsync_ForceOnARunningDrain_ExecutorStoppedPhaseRestoredNextStartAccepted()
    {
        await using var bed = await AppBed.StartAsync();
        var (sessionId, run, phase) = await HangingDrainAsync(bed);

        var forced = await bed.Api.CancelAsync(sessionId, "force");

        Assert.Equal(200, forced.Status);
        Assert.Equal([PhaseKey.Of(run, phase)], Json(forced).GetProperty("restored").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await bed.Client.GetInstanceAsync(sessionId))?.RuntimeStatus);
        Assert.Equal("FAILED", await bed.PhaseStateAsync(run, phase));
        Assert.Equal("terminated", (await bed.Drains.StatusAsync(sessionId))?.State);
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // session ids name the start second
        var next = await bed.Api.StartAsync("""{"batchSize":1,"phaseTimeoutSeconds":300}""");
        Assert.Equal(202, next.Status);
        await bed.Client.TerminateInstanceAsync(Json(next).GetProperty("instanceId").GetString()!);
    }

    [Fact]
    public async Task CancelAsync_BadMode_Returns400NamingTheModes()
    {
        await using var bed = await AppBed.StartAsync();

        var r = await bed.Api.CancelAsync("batch-drain-20200101-000000", "kill");

        Assert.Equal(400, r.Status);
        Assert.Equal("must be graceful, now or force (got 'kill')", Json(r).GetProperty("errors").GetProperty("mode")[0].GetString());
    }
}
