using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>One real <c>drain serve</c> without a key, on a seeded SQLite backlog and the test Azurite.</summary>
public sealed class ServeFixture : IAsyncLifetime
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-serve-hostile-");

    public Dictionary<string, string> Environment { get; } = [];

    internal DrainProcess Serve { get; private set; } = null!;

    public int Port { get; private set; }

    public Uri Base => new($"http://127.0.0.1:{Port}");

    public async Task InitializeAsync()
    {
        Environment["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db");
        Environment["AzureWebJobsStorage"] = System.Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
            ? azurite
            : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");
        Environment["DURABLE_TASK_HUB_NAME"] = "shd" + Guid.NewGuid().ToString("N")[..12];
        Environment["Snapshots__ContainerName"] = "shd-" + Guid.NewGuid().ToString("N")[..12];
        Environment["DRAIN_API_KEY"] = string.Empty;
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(Environment["DATABASE_URL"])))
        {
            await admin.InitSchemaAsync();
            await admin.SeedDemoAsync();
        }

        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Serve = DrainProcess.Start(Environment, "serve", "--port", Port.ToString(CultureInfo.InvariantCulture), "--executor-command", "bash -c 'exit 1' {run_id}");
        Serve.WaitForLine(l => l.StartsWith("Serving the drain API", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
    }

    public Task DisposeAsync()
    {
        Serve.Dispose();
        folder.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Issue 19 item 11 (and the HTTP side of items 9 and 13): real HTTP requests against
/// <c>drain serve</c>: foreign origins and host names, non-JSON and oversized bodies, floods of
/// unknown fields, huge and malformed ids.
/// </summary>
public sealed class ServeHardeningTests(ServeFixture serve) : IClassFixture<ServeFixture>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, string? MediaType, string Body)> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? origin = null, string? host = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(serve.Base, path)) { Content = content };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using var response = await Http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> SessionCountAsync()
    {
        var list = await SendAsync(HttpMethod.Get, "/api/drains");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        return JsonDocument.Parse(list.Body).RootElement.GetProperty("sessions").GetArrayLength();
    }

    private static void AssertProblem((HttpStatusCode Status, string? MediaType, string Body) response, HttpStatusCode expected, string detailPart)
    {
        Assert.True(expected == response.Status, $"expected {expected}, got {response.Status}: {response.Body}");
        Assert.Equal("application/problem+json", response.MediaType);
        var body = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.Contains(detailPart, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_WithoutKey_WarnsLoudly() =>
        Assert.Contains($"drain serve: WARNING: no key (--key or DRAIN_API_KEY): every program on this machine can start, cancel and read drains at http://127.0.0.1:{serve.Port}/api", serve.Serve.Stderr, StringComparison.Ordinal);

    [Fact]
    public async Task Post_CrossOriginTextPlain_Refused403AndNoDrainStarts()
    {
        // What a web page can send without a preflight: a "simple" POST, text/plain, from its own origin.
        var attack = await SendAsync(HttpMethod.Post, "/api/drains", new StringContent("{}", Encoding.UTF8, "text/plain"), origin: "http://evil.example");
        var json = await SendAsync(HttpMethod.Post, "/api/drains", Json("{}"), origin: $"http://localhost:{serve.Port + 1}");
        var cancel = await SendAsync(HttpMethod.Post, "/api/drains/batch-drain-20200101-000000/cancel?mode=now", origin: "null");
        var read = await SendAsync(HttpMethod.Get, "/api/ledger", origin: "https://evil.example");

        AssertProblem(attack, HttpStatusCode.Forbidden, "requests from another origin are refused (Origin: http://evil.example)");
        AssertProblem(json, HttpStatusCode.Forbidden, "another origin");
        AssertProblem(cancel, HttpStatusCode.Forbidden, "another origin");
        AssertProblem(read, HttpStatusCode.Forbidden, "another origin");
        Assert.Equal(0, await SessionCountAsync());
    }

    [Fact]
    public async Task Request_ForeignHostName_Refused403()
    {
        // DNS rebinding: a page's own name resolving to 127.0.0.1 is "same origin" to the browser.
        var rebound = await SendAsync(HttpMethod.Post, "/api/drains", Json("{}"), origin: $"http://rebind.example:{serve.Port}", host: $"rebind.example:{serve.Port}");

        AssertProblem(rebound, HttpStatusCode.Forbidden, $"this server answers only as 127.0.0.1:{serve.Port}");
        Assert.Equal(0, await SessionCountAsync());
    }

    [Fact]
    public async Task Post_NotJson_Refused415()
    {
        var plain = await SendAsync(HttpMethod.Post, "/api/drains", new StringContent("{}", Encoding.UTF8, "text/plain"));
        var form = await SendAsync(HttpMethod.Post, "/api/drains/preview", new FormUrlEncodedContent([new("batchSize", "1")]));
        var latin1 = new StringContent("{}");
        latin1.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=iso-8859-1");
        var charset = await SendAsync(HttpMethod.Post, "/api/drains", latin1);

        AssertProblem(plain, HttpStatusCode.UnsupportedMediaType, "Content-Type: application/json (got text/plain; charset=utf-8)");
        AssertProblem(form, HttpStatusCode.UnsupportedMediaType, "got application/x-www-form-urlencoded");
        AssertProblem(charset, HttpStatusCode.UnsupportedMediaType, "iso-8859-1");
        Assert.Equal(0, await SessionCountAsync());
    }

    [Fact]
    public async Task Post_SameOriginJsonOrNoBody_PassesTheGuard()
    {
        var invalid = await SendAsync(HttpMethod.Post, "/api/drains", Json("""{"batchSize":0}"""), origin: $"http://127.0.0.1:{serve.Port}");
        var cancel = await SendAsync(HttpMethod.Post, "/api/drains/batch-drain-20200101-000000/cancel?mode=graceful");

        AssertProblem(invalid, HttpStatusCode.BadRequest, "1 invalid field(s)");
        AssertProblem(cancel, HttpStatusCode.NotFound, "session batch-drain-20200101-000000 not found");
    }

    [Fact]
    public async Task Post_FloodOfUnknownFields_Capped()
    {
        // 300,000 unknown fields (3.5 MB) once made an 84 MB error and a 1.38 GB server: now the size is refused first.
        var flood = "{" + string.Join(',', Enumerable.Range(0, 300_000).Select(i => $"\"f{i}\":1")) + "}";
        var huge = await SendAsync(HttpMethod.Post, "/api/drains", Json(flood));
        AssertProblem(huge, HttpStatusCode.RequestEntityTooLarge, "at most 65536 bytes");
        Assert.True(huge.Body.Length < 1024, huge.Body);

        // Within the size limit: at most 20 fields listed, the rest counted.
        var many = "{" + string.Join(',', Enumerable.Range(0, 5_000).Select(i => $"\"f{i}\":1")) + "}";
        var capped = await SendAsync(HttpMethod.Post, "/api/drains", Json(many));
        AssertProblem(capped, HttpStatusCode.BadRequest, "5000 invalid field(s); the first 20 are listed, and 4980 more");
        Assert.Equal(20, JsonDocument.Parse(capped.Body).RootElement.GetProperty("errors").EnumerateObject().Count());
        Assert.True(capped.Body.Length < 16 * 1024, $"{capped.Body.Length} bytes");
        Assert.Equal(0, await SessionCountAsync());
    }

    [Fact]
    public async Task Post_HugeOrLongFields_Refused400Or413()
    {
        var tenMegabytes = await SendAsync(HttpMethod.Post, "/api/drains", Json($$"""{"runId":"{{new string('r', 10 * 1024 * 1024)}}"}"""));
        var long600 = await SendAsync(HttpMethod.Post, "/api/drains", Json($$"""{"runId":"{{new string('r', 600)}}","skipRunPrefixes":["{{new string('p', 513)}}"]}"""));
        var name = await SendAsync(HttpMethod.Post, "/api/drains", Json($$"""{"{{new string('n', 5000)}}":1}"""));

        AssertProblem(tenMegabytes, HttpStatusCode.RequestEntityTooLarge, "at most 65536 bytes");
        AssertProblem(long600, HttpStatusCode.BadRequest, "2 invalid field(s)");
        var errors = JsonDocument.Parse(long600.Body).RootElement.GetProperty("errors");
        Assert.Equal("must be at most 512 characters long (got 600)", errors.GetProperty("runId")[0].GetString());
        Assert.Equal("must be at most 512 characters long (got 513)", errors.GetProperty("skipRunPrefixes")[0].GetString());
        AssertProblem(name, HttpStatusCode.BadRequest, "1 invalid field(s)");
        Assert.True(JsonDocument.Parse(name.Body).RootElement.GetProperty("errors").TryGetProperty(new string('n', 100) + "...", out _), name.Body);
        Assert.Equal(0, await SessionCountAsync());
    }

    [Fact]
    public async Task Post_BoundsBeyondTimers_Refused400()
    {
        var minutes = await SendAsync(HttpMethod.Post, "/api/drains/preview", Json("""{"maxTotalMinutes":1e308}"""));
        var timeout = await SendAsync(HttpMethod.Post, "/api/drains", Json("""{"phaseTimeoutSeconds":2147483647}"""));

        AssertProblem(minutes, HttpStatusCode.BadRequest, "1 invalid field(s)");
        Assert.StartsWith("must be a number greater than 0 and at most 43200 (30 days)", JsonDocument.Parse(minutes.Body).RootElement.GetProperty("errors").GetProperty("maxTotalMinutes")[0].GetString(), StringComparison.Ordinal);
        AssertProblem(timeout, HttpStatusCode.BadRequest, "1 invalid field(s)");
        Assert.Equal("must be an integer from 1 to 604800 (7 days) (got 2147483647)", JsonDocument.Parse(timeout.Body).RootElement.GetProperty("errors").GetProperty("phaseTimeoutSeconds")[0].GetString());
        Assert.Equal(0, await SessionCountAsync());
    }

    [Theory]
    [InlineData("GET", "/api/drains/not-a-session", "sessionId")]
    [InlineData("GET", "/api/drains/..%2F..%2Fetc%2Fpasswd", "sessionId")]
    [InlineData("GET", "/api/drains/batch-drain-2020/summary", "sessionId")]
    [InlineData("POST", "/api/drains/..%2Fx/cancel", "sessionId")]
    [InlineData("GET", "/api/drains/x/logs/r/p", "sessionId")]
    [InlineData("GET", "/api/drains/batch-drain-20200101-000000/logs/RUN600/p", "runId")]
    [InlineData("DELETE", "/api/ledger/runs/RUN600", "runId")]
    public async Task Route_InvalidId_Refused400NamingTheField(string method, string path, string field)
    {
        var response = await SendAsync(new HttpMethod(method), path.Replace("RUN600", new string('r', 600), StringComparison.Ordinal));

        AssertProblem(response, HttpStatusCode.BadRequest, "invalid route");
        Assert.True(JsonDocument.Parse(response.Body).RootElement.GetProperty("errors").TryGetProperty(field, out _), response.Body);
        Assert.DoesNotContain("<?xml", response.Body, StringComparison.Ordinal);
    }
}
