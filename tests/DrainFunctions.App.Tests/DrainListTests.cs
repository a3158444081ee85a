using System.Text.Json;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.App.Tests;

/// <summary>Issue 20 item 13: <c>GET /api/drains</c> with <c>top</c>, <c>status</c> and a continuation cursor, on Azurite.</summary>
[Collection(SerialGroup.Name)]
public sealed class DrainListTests
{
    private const string Origin = "https://drain.example.net";

    private static JsonElement Json(ApiResult r) => JsonDocument.Parse(r.Body).RootElement;

    private static string[] Ids(ApiResult r) => [.. Json(r).GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()!)];

    /// <summary>Five stored sessions, 01 to 05 (newest last); the even ones complete.</summary>
    private static async Task<string[]> SeedAsync(AppBed bed)
    {
        var ids = Enumerable.Range(1, 5).Select(i => $"batch-drain-20250101-0000{i:00}").ToArray();
        foreach (var (id, i) in ids.Select((id, i) => (id, i + 1)))
        {
            await bed.Sessions.SaveAsync(new DrainSession { SessionId = id, StartedAt = "2025-01-01T00:00:00+00:00", BatchSize = 1, CompletedAt = i % 2 == 0 ? "2025-01-01T00:10:00+00:00" : null }, null, 0);
        }

        return ids;
    }

    [Fact]
    public async Task ListAsync_TopAndCursor_PagesNewestFirstWithNextLinkUntilTheEnd()
    {
        await using var bed = await AppBed.StartAsync();
        var ids = await SeedAsync(bed);
        var api = bed.Api.At(new ApiBase(Origin));

        var first = await api.ListAsync("2", null, null);

        Assert.Equal(200, first.Status);
        Assert.Equal([ids[4], ids[3]], Ids(first));
        var token = Json(first).GetProperty("continuationToken").GetString()!;
        var next = Json(first).GetProperty("nextLink").GetString()!;
        Assert.Equal($"{Origin}/api/drains?top=2&continuationToken={token}", next);
        Assert.Equal($"<{next}>; rel=\"next\"", first.Headers["Link"]);

        var second = await api.ListAsync("2", null, token);
        Assert.Equal([ids[2], ids[1]], Ids(second));
        var last = await api.ListAsync("2", null, Json(second).GetProperty("continuationToken").GetString());
        Assert.Equal([ids[0]], Ids(last));
        Assert.False(Json(last).TryGetProperty("nextLink", out _));
        Assert.False(last.Headers.ContainsKey("Link"));
        Assert.Equal(5, Ids(await api.ListAsync()).Length);
    }

    [Fact]
    public async Task ListAsync_StatusFilter_OnlyThoseWithTheStatusAnyCase()
    {
        await using var bed = await AppBed.StartAsync();
        var ids = await SeedAsync(bed);

        var completed = await bed.Api.ListAsync(null, "completed", null);
        var both = await bed.Api.ListAsync("1", "Incomplete,COMPLETED", null);

        Assert.Equal([ids[3], ids[1]], Ids(completed));
        Assert.All(Json(completed).GetProperty("sessions").EnumerateArray(), s => Assert.Equal("Completed", s.GetProperty("status").GetString()));
        Assert.Equal([ids[4]], Ids(both));
        Assert.Contains("status=Completed,Incomplete", Json(both).GetProperty("nextLink").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", null, null, "top", "must be a whole number from 1 to 100 (got '0')")]
    [InlineData("101", null, null, "top", "must be a whole number from 1 to 100 (got '101')")]
    [InlineData("ten", null, null, "top", "must be a whole number from 1 to 100 (got 'ten')")]
    [InlineData(null, "Running,Done", null, "status", "must be one or more of Pending, Running, Suspended, Completed, Failed, Terminated, Incomplete, comma-separated (got 'Running,Done')")]
    [InlineData(null, null, "not-a-token", "continuationToken", "must be the continuationToken of a previous answer, as it was given")]
    public async Task ListAsync_BadQuery_Returns400NamingTheParameterAndItsValues(string? top, string? status, string? token, string field, string message)
    {
        await using var bed = await AppBed.StartAsync();

        var r = await bed.Api.ListAsync(top, status, token);

        Assert.Equal(400, r.Status);
        Assert.StartsWith("application/problem+json", r.ContentType, StringComparison.Ordinal);
        Assert.Equal(message, Json(r).GetProperty("errors").GetProperty(field)[0].GetString());
    }
}
