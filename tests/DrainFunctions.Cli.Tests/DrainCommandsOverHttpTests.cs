using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// <c>drain status</c>, <c>cancel</c>, <c>logs --follow</c> and <c>watch</c> with <c>--endpoint</c>
/// against a real <c>drain serve --key</c>, the key from <c>DRAIN_API_KEY</c> (issue 12).
/// </summary>
public sealed class DrainCommandsOverHttpTests : IAsyncLifetime
{
    private const string Key = "s3cret-key";
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-commands-http-");
    private readonly Dictionary<string, string> serveEnvironment = [];
    private DrainProcess serve = null!;
    private int port;

    private string Endpoint => $"http://127.0.0.1:{port}";

    /// <summary>A client's environment: no DATABASE_URL, the key in DRAIN_API_KEY.</summary>
    private static Dictionary<string, string> Client(string? key = Key) => new() { ["DATABASE_URL"] = string.Empty, ["DRAIN_API_KEY"] = key ?? string.Empty };

    public async Task InitializeAsync()
    {
        serveEnvironment["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db");
        serveEnvironment["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
            ? azurite
            : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");
        serveEnvironment["DURABLE_TASK_HUB_NAME"] = "cmh" + Guid.NewGuid().ToString("N")[..12];
        serveEnvironment["Snapshots__ContainerName"] = "cmh-" + Guid.NewGuid().ToString("N")[..12];
        serveEnvironment["DRAIN_API_KEY"] = string.Empty;
        await DrainCommandsTests.SeedAsync(serveEnvironment["DATABASE_URL"]);
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        serve = DrainProcess.Start(serveEnvironment, "serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--key", Key, "--executor-command", DrainCommandsTests.HangingExecutor(folder));
        serve.WaitForLine(l => l.StartsWith("Serving the drain API", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
    }

    public Task DisposeAsync()
    {
        serve.Dispose();
        folder.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<CliResult> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var process = DrainProcess.Start(environment, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return new CliResult(code, process.Stdout, process.Stderr);
    }

    [Fact]
    public async Task Commands_OverEndpoint_StatusFollowWatchCancelWithTheKeyFromTheEnvironment()
    {
        using var http = new HttpClient { BaseAddress = new Uri(Endpoint) };
        http.DefaultRequestHeaders.Add("x-functions-key", Key);
        using var started = await http.PostAsync("/api/drains", new StringContent("""{"batchSize":2,"phaseTimeoutSeconds":300}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var sessionId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sessionId").GetString()!;
        var (run, phase) = await CurrentPhaseAsync(http, sessionId);
        using var live = await http.GetAsync($"/api/drains/{sessionId}");
        using var plain = new HttpClient();
        using var keyed = await plain.GetAsync($"{Endpoint}/api/drains/{sessionId}?code={Key}");

        var running = await RunAsync(Client(), "status", sessionId, "--endpoint", Endpoint);
        var wrongKey = await RunAsync(Client(), "status", sessionId, "--endpoint", Endpoint, "--key", "wrong");
        var noKey = await RunAsync(Client(key: null), "status", sessionId, "--endpoint", Endpoint);
        var unknown = await RunAsync(Client(), "status", "batch-drain-20200101-000000", "--endpoint", Endpoint);
        using var follow = DrainProcess.Start(Client(), "logs", sessionId, run, phase, "--follow", "--endpoint", Endpoint);
        using var watch = DrainProcess.Start(Client(), "watch", sessionId, "--endpoint", Endpoint);
        follow.WaitForLine(l => l == $"hello from {run}/{phase}", TimeSpan.FromMinutes(1));
        watch.WaitForLine(l => l.StartsWith("  Draining: ", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        var (detachedCode, detached) = await WatchWithCtrlCAsync(sessionId);
        var stillRunning = await RunAsync(Client(), "status", sessionId, "--endpoint", Endpoint);
        var cancel = await RunAsync(Client(), "cancel", sessionId, "--now", "--endpoint", Endpoint);
        var followCode = await follow.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var watchCode = await watch.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var ended = await RunAsync(Client(), "status", sessionId, "--endpoint", Endpoint, "--output", "json");
        using var endedRaw = await http.GetAsync($"/api/drains/{sessionId}");
        var again = await RunAsync(Client(), "cancel", sessionId, "--endpoint", Endpoint);
        var otherPhase = await RunAsync(Client(), "logs", sessionId, run, "no-such-phase", "--endpoint", Endpoint);

        Assert.Equal(new Uri($"{Endpoint}/api/drains/{sessionId}"), started.Headers.Location);
        Assert.Equal((HttpStatusCode.Accepted, new Uri($"{Endpoint}/api/drains/{sessionId}"), TimeSpan.FromSeconds(10)), (live.StatusCode, live.Headers.Location, live.Headers.RetryAfter?.Delta));
        Assert.Equal((HttpStatusCode.Accepted, new Uri($"{Endpoint}/api/drains/{sessionId}?code={Key}")), (keyed.StatusCode, keyed.Headers.Location));
        Assert.Equal((HttpStatusCode.OK, null), (endedRaw.StatusCode, endedRaw.Headers.Location));
        Assert.True(running.ExitCode == 0, running.Stderr);
        Assert.Contains("State:         running\n", running.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Current phase: {run}:{phase}\n", running.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.StartsWith($"drain: {Endpoint}/ answered 401: ", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("answered 401", noKey.Stderr, StringComparison.Ordinal);
        Assert.Equal((1, "drain status: session batch-drain-20200101-000000 not found\n"), (unknown.ExitCode, unknown.Stderr));
        Assert.Equal(130, detachedCode);
        Assert.Equal($"drain: stopped watching; session {sessionId} goes on (drain cancel {sessionId} stops it)\n", detached);
        Assert.Contains("State:         running\n", stillRunning.Stdout, StringComparison.Ordinal);
        DrainCommandsTests.AssertCancelledNow(sessionId, cancel, (follow, followCode), (watch, watchCode), ended, again);
        Assert.Equal(1, otherPhase.ExitCode);
        Assert.Equal($"drain logs: no log of phase {run}/no-such-phase in session {sessionId}\n", otherPhase.Stderr);
    }

    /// <summary><c>drain watch</c> with Ctrl-C already pressed: it stops watching and leaves the drain running.</summary>
    private async Task<(int Code, string Stderr)> WatchWithCtrlCAsync(string sessionId)
    {
        var interrupts = new Local.Interrupts();
        interrupts.Request();
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var code = await Commands.WatchCommand.RunAsync(new Commands.WatchArgs(sessionId, new Commands.DrainEndpoint(new Uri(Endpoint), Key)), stdout, stderr, interrupts);
        return (code, stderr.ToString());
    }

    /// <summary>The run and phase the drain runs now, once it runs one.</summary>
    private static async Task<(string Run, string Phase)> CurrentPhaseAsync(HttpClient http, string sessionId)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < until)
        {
            var status = await http.GetFromJsonAsync<JsonElement>($"/api/drains/{sessionId}");
            if (status.TryGetProperty("progress", out var progress) && progress.TryGetProperty("currentPhase", out var current) && current.GetString() is { } key)
            {
                var colon = key.IndexOf(':', StringComparison.Ordinal);
                return (key[..colon], key[(colon + 1)..]);
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"session {sessionId} did not start a phase");
    }
}
