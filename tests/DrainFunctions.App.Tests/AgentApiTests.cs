using System.Text.Json;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Api;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.App.Tests;

/// <summary>The agents' routes' handlers on real storage: bad bodies are 400s naming the field, words about attempts that are not the agent's are 409s.</summary>
[Collection(SerialGroup.Name)]
public sealed class AgentApiTests
{
    private static AgentApi Api(AppBed bed) => new(bed.Host.Services.GetRequiredService<AgentBroker>(), bed.Client);

    private static JsonElement Errors(ApiResult result) => JsonDocument.Parse(result.Body).RootElement.GetProperty("errors");

    [Fact]
    public async Task ClaimAsync_BadNameSlotsAndFree_400NamingEachField()
    {
        await using var bed = await AppBed.StartAsync(demo: false);

        var result = await Api(bed).ClaimAsync("""{"agent":"no spaces allowed","slots":0,"free":3,"waitSeconds":0}""");

        Assert.Equal(400, result.Status);
        Assert.Equal(ApiResult.ProblemJson, result.ContentType);
        var errors = Errors(result);
        Assert.Equal("must be 1-64 characters: letters, digits, '.', '_' and '-'", errors.GetProperty("agent")[0].GetString());
        Assert.Equal("must be between 1 and 64", errors.GetProperty("slots")[0].GetString());
        Assert.Equal("must be between 1 and slots (0)", errors.GetProperty("free")[0].GetString());
    }

    [Fact]
    public async Task ClaimAsync_NothingQueued_EmptyWorkAndTheHeartbeatPace()
    {
        await using var bed = await AppBed.StartAsync(demo: false);

        var result = await Api(bed).ClaimAsync("""{"agent":"idle-1","slots":2,"free":2,"waitSeconds":0}""");
        var listed = await Api(bed).ListAsync();

        Assert.Equal(200, result.Status);
        var body = JsonDocument.Parse(result.Body).RootElement;
        Assert.Equal(0, body.GetProperty("work").GetArrayLength());
        Assert.Equal(5, body.GetProperty("heartbeatSeconds").GetDouble());
        Assert.Equal("idle-1", JsonDocument.Parse(listed.Body).RootElement.GetProperty("agents")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ReportAsync_AttemptNeverClaimed_409AndNoMarkerWritten()
    {
        await using var bed = await AppBed.StartAsync(demo: false);

        var result = await Api(bed).ReportAsync("batch-drain-20261130-000000", "0123456789abcdef0123456789abcdef", """{"agent":"late-1","returnCode":0,"durationSeconds":1}""");

        Assert.Equal(409, result.Status);
        Assert.Null(await bed.Sessions.ReadAttemptAsync("batch-drain-20261130-000000", "0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task AppendLogAsync_BadStreamOffsetAndData_400NamingEachField()
    {
        await using var bed = await AppBed.StartAsync(demo: false);

        var result = await Api(bed).AppendLogAsync("batch-drain-20261130-000000", "0123456789abcdef0123456789abcdef", """{"agent":"a1","stream":"stdin","offset":-1,"data":"not base64!"}""");

        Assert.Equal(400, result.Status);
        var errors = Errors(result);
        Assert.Equal("must be stdout or stderr", errors.GetProperty("stream")[0].GetString());
        Assert.Equal("must be >= 0", errors.GetProperty("offset")[0].GetString());
        Assert.Equal("must be base64", errors.GetProperty("data")[0].GetString());
    }

    [Fact]
    public async Task HeartbeatAsync_NotJson_400()
    {
        await using var bed = await AppBed.StartAsync(demo: false);

        var result = await Api(bed).HeartbeatAsync("{not json");

        Assert.Equal(400, result.Status);
        Assert.StartsWith("the body is not valid JSON for this route", JsonDocument.Parse(result.Body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
