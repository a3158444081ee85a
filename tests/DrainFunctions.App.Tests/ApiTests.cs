using System.Text.Json;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>Every route and error status of the HTTP API, against the in-process Durable Task host.</summary>
[Collection(SerialGroup.Name)]
public sealed class ApiTests
{
    private static JsonElement Json(ApiResult r) => JsonDocument.Parse(r.Body).RootElement;

    [Fact]
    public async Task Start_InvalidAndUnknownFields_Returns400WithEveryField()
    {
        await using var bed = await AppBed.StartAsync();
        var r = await bed.Api.StartAsync("""{"batchSize":0,"phaseTimeoutSeconds":-5,"apiUrl":"ftp://x","dryRun":"yes","skipRunPrefixes":[""],"maxTotalMinutes":"ten","bogus":1}""");
        Assert.Equal(400, r.Status);
        Assert.StartsWith("application/problem+json", r.ContentType, StringComparison.Ordinal);
        var errors = Json(r).GetProperty("errors");
        foreach (var field in new[] { "batchSize", "phaseTimeoutSeconds", "apiUrl", "dryRun", "skipRunPrefixes", "maxTotalMinutes", "bogus" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} missing in {r.Body}");
        }

        Assert.Equal(400, (await bed.Api.StartAsync("[1]")).Status);
        Assert.Equal(400, (await bed.Api.PreviewAsync("""{"maxAttemptsPerPhase":0}""")).Status);
        Assert.Equal(400, (await bed.Api.ResumeAsync("""{"sessionId":"nope"}""")).Status);
    }

    [Fact]
    public async Task UnknownSession_EveryRoute_Returns404()
    {
        await using var bed = await AppBed.StartAsync();
        const string id = "batch-drain-20200101-000000";
        Assert.Equal(404, (await bed.Api.GetAsync(id)).Status);
        Assert.Equal(404, (await bed.Api.SummaryAsync(id)).Status);
        Assert.Equal(404, (await bed.Api.LogsAsync(id, "r", "p")).Status);
        Assert.Equal(404, (await bed.Api.CancelAsync(id, "graceful")).Status);
        Assert.Equal(404, (await bed.Api.ResumeAsync("""{"sessionId":"batch-drain-20200101-000000"}""")).Status);
        Assert.Equal(404, (await bed.Api.ResumeAsync(null)).Status);
        Assert.Equal(404, (await bed.Api.ForgetRunAsync("no-such-run")).Status);
        var list = await bed.Api.ListAsync();
        Assert.Equal(200, list.Status);
        Assert.Equal(0, Json(list).GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Routes_MalformedIds_Return400NamingTheFieldBeforeStorage()
    {
        await using var bed = await AppBed.StartAsync();
        var long600 = new string('r', 600);
        var results = new[]
        {
            (await bed.Api.GetAsync("not-a-session"), "sessionId"),
            (await bed.Api.GetAsync("../../etc/passwd"), "sessionId"),
            (await bed.Api.SummaryAsync("batch-drain-2020"), "sessionId"),
            (await bed.Api.CancelAsync("../x", "now"), "sessionId"),
            (await bed.Api.LogsAsync("x", "r", "p"), "sessionId"),
            (await bed.Api.LogsAsync("batch-drain-20200101-000000", long600, "p"), "runId"),
            (await bed.Api.LogsAsync("batch-drain-20200101-000000", "r", " "), "phaseId"),
            (await bed.Api.ForgetRunAsync(long600), "runId"),
            (await bed.Api.ForgetRunAsync(" "), "runId"),
        };

        foreach (var (r, field) in results)
        {
            Assert.Equal(400, r.Status);
            Assert.StartsWith("application/problem+json", r.ContentType, StringComparison.Ordinal);
            Assert.True(Json(r).GetProperty("errors").TryGetProperty(field, out _), r.Body);
            Assert.DoesNotContain(long600, r.Body, StringComparison.Ordinal);
        }

        Assert.False(await bed.Sessions.Container.ExistsAsync(), "a malformed id reached storage");
    }

    [Fact]
    public async Task Start_ThousandsOfInvalidFields_ListsTwentyAndCountsTheRest()
    {
        await using var bed = await AppBed.StartAsync();
        var body = "{" + string.Join(',', Enumerable.Range(0, 3_000).Select(i => $"\"f{i}\":1")) + ""","batchSize":0}""";

        var r = await bed.Api.StartAsync(body);

        Assert.Equal(400, r.Status);
        Assert.Equal("3001 invalid field(s); the first 20 are listed, and 2981 more", Json(r).GetProperty("detail").GetString());
        Assert.Equal(20, Json(r).GetProperty("errors").EnumerateObject().Count());
        Assert.True(r.Body.Length < 16 * 1024, $"{r.Body.Length} characters");
    }

    [Fact]
    public async Task Preview_BoundsBeyondTimers_Returns400Not500()
    {
        await using var bed = await AppBed.StartAsync();

        var minutes = await bed.Api.PreviewAsync("""{"maxTotalMinutes":1e308}""");
        var timeout = await bed.Api.StartAsync("""{"phaseTimeoutSeconds":2147483647}""");
        var runId = await bed.Api.StartAsync($$"""{"runId":"{{new string('r', 513)}}"}""");

        Assert.Equal(400, minutes.Status);
        Assert.True(Json(minutes).GetProperty("errors").TryGetProperty("maxTotalMinutes", out _), minutes.Body);
        Assert.Equal(400, timeout.Status);
        Assert.Equal("must be an integer from 1 to 604800 (7 days) (got 2147483647)", Json(timeout).GetProperty("errors").GetProperty("phaseTimeoutSeconds")[0].GetString());
        Assert.Equal(400, runId.Status);
        Assert.Equal(0, Json(await bed.Api.ListAsync()).GetProperty("sessions").GetArrayLength());
    }

    [Fact]
    public async Task Start_WhileRunning_Returns409ThenCancelNowStopsAndEveryReadRouteAnswers()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var started = await bed.Api.StartAsync("""{"batchSize":2,"phaseTimeoutSeconds":300}""");
        Assert.Equal(202, started.Status);
        var sessionId = Json(started).GetProperty("sessionId").GetString()!;
        Assert.Equal(sessionId, Json(started).GetProperty("instanceId").GetString());
        Assert.Equal($"/api/drains/{sessionId}", started.Headers["Location"]);
        await bed.WaitForPhaseAsync(sessionId);

        var second = await bed.Api.StartAsync("{}");
        Assert.Equal(409, second.Status);
        Assert.Equal(sessionId, Json(second).GetProperty("sessionId").GetString());
        Assert.Equal(409, (await bed.Api.ResumeAsync(null)).Status);

        var running = await bed.Api.GetAsync(sessionId);
        Assert.Equal(202, running.Status);
        Assert.Equal("Running", Json(running).GetProperty("status").GetString());
        Assert.NotNull(Json(running).GetProperty("progress").GetProperty("currentPhase").GetString());

        Assert.Equal(400, (await bed.Api.CancelAsync(sessionId, "later")).Status);
        var cancel = await bed.Api.CancelAsync(sessionId, "now");
        Assert.Equal(202, cancel.Status);
        var done = await bed.WaitAsync(sessionId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);

        var get = await bed.Api.GetAsync(sessionId);
        Assert.Equal(200, get.Status);
        var body = Json(get);
        Assert.Equal("Completed", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("totals").GetProperty("processed").GetInt64());
        Assert.Equal(sessionId, body.GetProperty("session").GetProperty("session_id").GetString());

        var summary = await bed.Api.SummaryAsync(sessionId);
        Assert.Equal(200, summary.Status);
        Assert.StartsWith("text/plain", summary.ContentType, StringComparison.Ordinal);
        Assert.Contains(new string('=', 80), summary.Body, StringComparison.Ordinal);

        var session = await bed.Sessions.LoadAsync(sessionId);
        var first = session!.Results[0];
        var logs = await bed.Api.LogsAsync(sessionId, first.RunId, first.PhaseId);
        Assert.Equal(200, logs.Status);
        Assert.True(Json(logs).TryGetProperty("stdout", out _));
        Assert.True(Json(logs).TryGetProperty("stderr", out _));

        Assert.Equal(409, (await bed.Api.CancelAsync(sessionId, "graceful")).Status);
        var list = Json(await bed.Api.ListAsync()).GetProperty("sessions");
        Assert.Equal(sessionId, list[0].GetProperty("sessionId").GetString());
        Assert.Equal(409, (await bed.Api.ResumeAsync($$"""{"sessionId":"{{sessionId}}"}""")).Status);
    }

    [Fact]
    public async Task Resume_IncompleteSession_Returns202AndFinishesItsBatch()
    {
        await using var bed = await AppBed.StartAsync();
        var sessionId = "batch-drain-20250101-000000";
        await bed.Sessions.SaveAsync(new Core.Sessions.DrainSession { SessionId = sessionId, StartedAt = "2025-01-01T00:00:00+00:00", BatchSize = 1 }, null, 0);
        var resumed = await bed.Api.ResumeAsync(null);
        Assert.Equal(202, resumed.Status);
        Assert.Equal(sessionId, Json(resumed).GetProperty("sessionId").GetString());
        var done = await bed.WaitAsync(Json(resumed).GetProperty("instanceId").GetString()!);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var session = await bed.Sessions.LoadAsync(sessionId);
        Assert.True(session!.IsComplete);
        Assert.Single(session.Results);
        Assert.Equal("Completed", Json(await bed.Api.GetAsync(sessionId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Preview_DemoBacklog_Returns200WithPicksAndWritesNothing()
    {
        await using var bed = await AppBed.StartAsync();
        var r = await bed.Api.PreviewAsync("""{"batchSize":4}""");
        Assert.Equal(200, r.Status);
        var picks = Json(r).GetProperty("picks");
        Assert.Equal(4, picks.GetArrayLength());
        Assert.Equal(0, Json(await bed.Api.ListAsync()).GetProperty("sessions").GetArrayLength());

        var dry = await bed.Api.StartAsync("""{"dryRun":true,"batchSize":2}""");
        Assert.Equal(202, dry.Status);
        Assert.StartsWith(DrainInstances.PreviewPrefix, Json(dry).GetProperty("instanceId").GetString(), StringComparison.Ordinal);
        await bed.WaitAsync(Json(dry).GetProperty("instanceId").GetString()!);
    }
}

/// <summary>The request checks shared by <c>drain serve</c> and the Function App's HTTP functions.</summary>
public sealed class ApiRequestsTests
{
    private static readonly string[] Own = ["https://drain.azurewebsites.net"];

    [Theory]
    [InlineData("POST", "text/plain; charset=utf-8", 2L, null, 415)]
    [InlineData("POST", null, 2L, null, 415)]
    [InlineData("POST", "application/x-www-form-urlencoded", 0L, null, 415)]
    [InlineData("POST", "application/json", 70_000L, null, 413)]
    [InlineData("POST", "application/json", 2L, "https://evil.example", 403)]
    [InlineData("POST", "application/json", 2L, "null", 403)]
    [InlineData("GET", null, null, "http://drain.azurewebsites.net:8080", 403)]
    [InlineData("POST", "application/json; charset=utf-8", 2L, "https://DRAIN.azurewebsites.net:443", 0)]
    [InlineData("POST", "application/problem+json", 2L, null, 0)]
    [InlineData("POST", null, 0L, null, 0)]
    [InlineData("POST", null, null, null, 0)]
    [InlineData("POST", "text/plain", null, null, 415)]
    [InlineData("GET", null, null, null, 0)]
    public void Refuse_Request_StatusOrNull(string method, string? contentType, long? length, string? origin, int expected)
    {
        var refusal = ApiRequests.Refuse(method, contentType, length, origin, Own);

        Assert.Equal(expected, refusal?.Status ?? 0);
        if (refusal is not null)
        {
            Assert.StartsWith("application/problem+json", refusal.ContentType, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReadBody_MoreThanTheCapOrNotUtf8_RefusedWithoutReadingOn()
    {
        using var big = new MemoryStream(new byte[10 * 1024 * 1024]);
        var (body, error) = await ApiRequests.ReadBodyAsync(big, default);
        Assert.Null(body);
        Assert.Equal(413, error!.Status);
        Assert.Equal(ApiRequests.MaxBodyBytes + 1, big.Position);

        using var latin1 = new MemoryStream([(byte)'{', 0xE9, (byte)'}']);
        Assert.Equal(400, (await ApiRequests.ReadBodyAsync(latin1, default)).Error!.Status);

        using var empty = new MemoryStream();
        Assert.Equal((null, null), await ApiRequests.ReadBodyAsync(empty, default));
    }
}
