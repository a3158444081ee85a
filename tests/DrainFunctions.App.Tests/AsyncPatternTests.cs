using System.Text.Json;
using DrainFunctions.Durable.Api;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>
/// Issue 20 items 8-10: the HTTP API as Durable Functions pollers expect it (202 + Location +
/// Retry-After while live, 200 at the end, absolute Locations, DF's names), followable previews,
/// and purges that leave sessions and previews readable. Real engine, Azurite, SQLite.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class AsyncPatternTests
{
    private const string Origin = "https://drain.example.net";

    private static JsonElement Json(ApiResult r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public async Task GetAsync_LiveDrain_Returns202WithLocationAndRetryAfterThen200OnceEnded()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var api = bed.Api.At(new ApiBase(Origin));

        var started = await api.StartAsync("""{"batchSize":1,"phaseTimeoutSeconds":300}""");

        Assert.Equal(202, started.Status);
        var start = Json(started);
        var sessionId = start.GetProperty("sessionId").GetString()!;
        var self = $"{Origin}/api/drains/{sessionId}";
        Assert.Equal(self, started.Headers["Location"]);
        Assert.Equal("10", started.Headers["Retry-After"]);
        Assert.Equal(sessionId, start.GetProperty("id").GetString());
        Assert.Equal(self, start.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(self + "/cancel?mode=force", start.GetProperty("terminatePostUri").GetString());
        Assert.Equal($"/api/drains/{sessionId}", start.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/drains/{sessionId}/summary", start.GetProperty("summaryUrl").GetString());
        Assert.Equal($"/api/drains/{sessionId}/cancel?mode=graceful", start.GetProperty("cancelUrl").GetString());
        await bed.WaitForPhaseAsync(sessionId);

        var live = await api.GetAsync(sessionId);

        Assert.Equal(202, live.Status);
        Assert.Equal(self, live.Headers["Location"]);
        Assert.Equal("10", live.Headers["Retry-After"]);
        Assert.Equal("Running", Json(live).GetProperty("status").GetString());
        Assert.NotNull(Json(live).GetProperty("progress").GetProperty("currentPhase").GetString());

        Assert.Equal(202, (await api.CancelAsync(sessionId, "now")).Status);
        await bed.WaitAsync(sessionId);
        var ended = await api.GetAsync(sessionId);

        Assert.Equal(200, ended.Status);
        Assert.Empty(ended.Headers);
        Assert.Equal("Completed", Json(ended).GetProperty("status").GetString());
        Assert.Equal(sessionId, Json(ended).GetProperty("session").GetProperty("session_id").GetString());
    }

    [Fact]
    public void Url_KeyGivenInTheUrl_KeptEscapedInLinks()
    {
        Assert.Equal("https://a.net/api/drains/x?code=k%26y%3D", new ApiBase("https://a.net/", "k&y=").Url("/api/drains/x"));
        Assert.Equal("https://a.net/api/drains/x/cancel?mode=force&code=k", new ApiBase("https://a.net", "k").Url("/api/drains/x/cancel?mode=force"));
        Assert.Equal("https://a.net/api/drains/x", new ApiBase("https://a.net").Url("/api/drains/x"));
    }

    [Fact]
    public async Task PreviewAsync_Location_AnswersTheSamePicksAndLinesWith200()
    {
        await using var bed = await AppBed.StartAsync();
        var api = bed.Api.At(new ApiBase(Origin));

        var preview = await api.PreviewAsync("""{"batchSize":3}""");

        Assert.Equal(200, preview.Status);
        var previewId = Json(preview).GetProperty("instanceId").GetString()!;
        Assert.Equal($"{Origin}/api/drains/{previewId}", preview.Headers["Location"]);
        Assert.Equal(preview.Headers["Location"], Json(preview).GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(previewId, Json(preview).GetProperty("id").GetString());

        var followed = await api.GetAsync(previewId);

        Assert.Equal(200, followed.Status);
        var body = Json(followed);
        Assert.Equal("Completed", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("dryRun").GetBoolean());
        Assert.Equal(Json(preview).GetProperty("picks").ToString(), body.GetProperty("picks").ToString());
        Assert.Equal(3, body.GetProperty("picks").GetArrayLength());
        Assert.Equal(Json(preview).GetProperty("stop").GetString(), body.GetProperty("stop").GetString());
        Assert.Equal(Json(preview).GetProperty("lines").ToString(), body.GetProperty("lines").ToString());
        Assert.Equal(0, Json(await api.ListAsync()).GetProperty("sessions").GetArrayLength());
        Assert.Equal(404, (await api.GetAsync("preview-" + new string('0', 32))).Status);
        Assert.Equal(400, (await api.GetAsync("preview-NOT-HEX")).Status);
    }

    [Fact]
    public async Task GetAsync_DryRunStart_FollowedTo200ThenItsHistoryIsPurgedAndItStillAnswers()
    {
        await using var bed = await AppBed.StartAsync();
        var api = bed.Api.At(new ApiBase(Origin));
        var dry = await api.StartAsync("""{"dryRun":true,"batchSize":2}""");
        Assert.Equal(202, dry.Status);
        var previewId = Json(dry).GetProperty("instanceId").GetString()!;
        Assert.Equal($"{Origin}/api/drains/{previewId}", dry.Headers["Location"]);
        Assert.False(Json(dry).TryGetProperty("terminatePostUri", out _));

        ApiResult polled;
        var until = DateTime.UtcNow.AddSeconds(60);
        do
        {
            polled = await api.GetAsync(previewId);
            Assert.True(polled.Status is 200 or 202, polled.Body);
            if (polled.Status == 202)
            {
                Assert.Equal(dry.Headers["Location"], polled.Headers["Location"]);
                await Task.Delay(200);
            }
        }
        while (polled.Status == 202 && DateTime.UtcNow < until);

        Assert.Equal(200, polled.Status);
        Assert.Equal(2, Json(polled).GetProperty("picks").GetArrayLength());
        Assert.Null(await bed.Client.GetInstanceAsync(previewId));
        var again = await api.GetAsync(previewId);
        Assert.Equal(200, again.Status);
        Assert.Equal(Json(polled).GetProperty("picks").ToString(), Json(again).GetProperty("picks").ToString());
    }

    [Fact]
    public async Task PurgeHistoryAsync_EndedDrainAndPreview_HistoryGoneBothStillReadable()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.Drains;
        var started = await drains.StartAsync(new Core.Options.DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 120 });
        var dry = await drains.StartAsync(new Core.Options.DrainOptions { BatchSize = 2, DryRun = true });
        await bed.WaitAsync(started.InstanceId!);
        await bed.WaitAsync(dry.InstanceId!);
        var before = Json(await bed.Api.GetAsync(started.SessionId!));

        var (instances, previews) = await drains.PurgeHistoryAsync();

        Assert.Equal((2, 0), (instances, previews));
        Assert.Null(await bed.Client.GetInstanceAsync(started.InstanceId!));
        Assert.Null(await bed.Client.GetInstanceAsync(dry.InstanceId!));
        var session = await bed.Api.GetAsync(started.SessionId!);
        Assert.Equal(200, session.Status);
        Assert.Equal(before.ToString(), Json(session).ToString());
        Assert.Equal(1, Json(session).GetProperty("totals").GetProperty("processed").GetInt64());
        var preview = await bed.Api.GetAsync(dry.InstanceId!);
        Assert.Equal(200, preview.Status);
        Assert.Equal(2, Json(preview).GetProperty("picks").GetArrayLength());
        Assert.Equal(200, (await bed.Api.SummaryAsync(started.SessionId!)).Status);
    }

    [Fact]
    public async Task PurgeHistoryAsync_PreviewRecordOlderThanRetention_Dropped()
    {
        await using var bed = await AppBed.StartAsync();
        var previewId = Json(await bed.Api.PreviewAsync("""{"batchSize":1}""")).GetProperty("instanceId").GetString()!;

        Assert.Equal(0, (await bed.Drains.PurgeHistoryAsync()).PreviewRecords);
        Assert.Equal(200, (await bed.Api.GetAsync(previewId)).Status);
        var later = new ShiftedClock(DrainService.PreviewRetention + TimeSpan.FromHours(1));
        Assert.Equal(1, (await bed.DrainsAt(later).PurgeHistoryAsync()).PreviewRecords);
        Assert.Equal(404, (await bed.Api.GetAsync(previewId)).Status);
    }

    /// <summary>The system clock moved forward by <paramref name="shift"/> (what a purge days later sees).</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
