using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Issue 18 on the real ./drain process: --log-format json on stderr and OTEL_EXPORTER_OTLP_ENDPOINT
/// (OTLP/HTTP to a listener of ours); real Azurite, a real SQLite file.
/// </summary>
public sealed class CliTelemetryTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-otel-");
    private readonly Dictionary<string, string> environment;

    public CliTelemetryTests()
    {
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "otel" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "otel-" + Guid.NewGuid().ToString("N")[..12],
            ["DRAIN_API_KEY"] = string.Empty,
            ["NO_COLOR"] = "1",
        };
    }

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public void LogFormat_UnknownValue_NamesTheChoicesAndExits2()
    {
        var result = CliRunner.Run(string.Empty, "--log-format", "xml");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("drain: error: argument --log-format: invalid choice: 'xml' (choose from 'text', 'json')\n", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task LogFormat_Json_EveryLogLineOnStderrIsOneJsonObject()
    {
        await SeedAsync();

        var (code, stdout, stderr) = await RunAsync(environment, "--dry-run", "--batch-size", "1", "--log-level", "information", "--log-format", "json");

        Assert.Equal(0, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line =>
        {
            using var log = JsonDocument.Parse(line);
            Assert.Equal("Information", log.RootElement.GetProperty("LogLevel").GetString());
        });
        Assert.Contains("[DRY RUN] Would drain:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogFormat_Json_ProgressLinesAreEventsAndActivityLogsCarryTheSessionScope()
    {
        await SeedAsync();

        var (code, stdout, stderr) = await RunAsync(environment, "--batch-size", "1", "--phase-timeout-seconds", "20", "--log-level", "information", "--log-format", "json");

        Assert.InRange(code, 0, 1);
        var sessionId = System.Text.RegularExpressions.Regex.Match(stdout, @"Session ID: (\S+)").Groups[1].Value;
        Assert.NotEmpty(sessionId);
        var logs = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var progress = logs.Where(l => l.GetProperty("EventId").GetInt32() == 4100).ToList();
        var printed = stdout.Split('\n').Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, l =>
        {
            Assert.Equal(sessionId, l.GetProperty("State").GetProperty("SessionId").GetString());
            Assert.Equal(sessionId, Assert.Single(l.GetProperty("Scopes").EnumerateArray()).GetProperty("SessionId").GetString());
        });
        var sequences = progress.Select(l => l.GetProperty("State").GetProperty("LineSequence").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Contains(progress, l => printed.Contains(l.GetProperty("State").GetProperty("Line").GetString()!.Trim('\n')));

        // What an activity logs (here the executor's start) is inside the session's scope too.
        var activityLogs = logs.Where(l => l.GetProperty("Category").GetString()!.StartsWith("DrainFunctions.Durable", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(activityLogs);
        Assert.All(activityLogs, l => Assert.Contains(l.GetProperty("Scopes").EnumerateArray(), s => s.TryGetProperty("SessionId", out var id) && id.GetString() == sessionId));
    }

    [Theory]
    [InlineData("localhost:4317", "localhost:4317")]
    [InlineData("ftp://collector/otlp", "ftp://collector/otlp")]
    [InlineData("http://user:secret@", "http://***@")]
    public async Task OtlpEndpoint_NotAnHttpUrl_NamesTheVariableAndExits2(string endpoint, string shown)
    {
        var env = new Dictionary<string, string>(environment) { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint };

        var drain = await RunAsync(env, "--dry-run", "--batch-size", "1");
        var serve = await RunAsync(env, "serve", "--port", "7999");

        var expected = $"drain: error: environment variable OTEL_EXPORTER_OTLP_ENDPOINT: invalid value '{shown}' (expected an absolute http:// or https:// URL of an OTLP collector, such as http://localhost:4317; unset it to export nothing)";
        Assert.Equal((2, string.Empty, expected), drain);
        Assert.Equal((2, string.Empty, expected), serve);
    }

    [Fact]
    public async Task OtlpEndpoint_Set_LogsReachTheCollectorAndStdoutIsUnchanged()
    {
        await SeedAsync();
        var (quietCode, quietStdout, _) = await RunAsync(environment, "--dry-run", "--batch-size", "1");
        using var collector = new HttpListener();
        var port = FreePort();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var paths = new ConcurrentBag<string>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await collector.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                paths.Add(context.Request.Url!.AbsolutePath);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var env = new Dictionary<string, string>(environment)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };

        var (code, stdout, stderr) = await RunAsync(env, "--dry-run", "--batch-size", "1");
        collector.Stop();
        await serving;

        Assert.Equal((0, 0), (quietCode, code));
        Assert.Equal(WithoutClock(quietStdout), WithoutClock(stdout));
        Assert.Empty(stderr);
        Assert.Contains("/v1/logs", paths);
    }

    private static string WithoutClock(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\d{8}-\d{6}", "YYYYMMDD-HHMMSS");

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task SeedAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"]));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        using var process = DrainProcess.Start(env, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var stderr = string.Join('\n', process.Stderr.Split('\n').Where(l => !l.StartsWith("drain: building the command line", StringComparison.Ordinal))).Trim();
        return (code, process.Stdout, stderr);
    }
}
