using System.Text.Json;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// <c>drain status</c>, <c>cancel</c>, <c>logs</c> and <c>watch</c> (issue 12) on the local task hub:
/// the real <c>./drain</c>, a SQLite demo backlog, the test Azurite, and a drain whose phase hangs
/// after printing two lines.
/// </summary>
public sealed class DrainCommandsTests : IDisposable
{
    private const string Unknown = "batch-drain-20200101-000000";
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-commands-");
    private readonly Dictionary<string, string> environment;

    public DrainCommandsTests()
    {
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "cmd" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "cmd-" + Guid.NewGuid().ToString("N")[..12],
        };
    }

    /// <summary>An executor that prints two lines, one on each stream, then hangs until it is stopped.</summary>
    internal static string HangingExecutor(DirectoryInfo folder)
    {
        var script = Path.Combine(folder.FullName, "executor.sh");
        File.WriteAllText(script, """
            #!/usr/bin/env bash
            echo "hello from $1/$2"
            echo "complaint on stderr" >&2
            exec sleep 600
            """);
        return $"bash '{script}' {{run_id}} {{phase_id}}";
    }

    internal static async Task SeedAsync(string databaseUrl)
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(databaseUrl));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        using var process = DrainProcess.Start(environment, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return new CliResult(code, process.Stdout, process.Stderr);
    }

    [Theory]
    [InlineData("drain: error: argument ID: 'nope' is not a session id (expected batch-drain-YYYYMMDD-HHMMSS, as drain sessions list shows)", "status", "nope")]
    [InlineData("drain: error: argument --output: invalid choice: 'xml' (choose from 'table', 'json')", "status", Unknown, "--output", "xml")]
    [InlineData("drain: error: the following arguments are required: PHASE", "logs", Unknown, "run")]
    [InlineData("drain: error: argument --key: only with --endpoint", "cancel", Unknown, "--key", "k")]
    [InlineData("drain: error: argument --endpoint: invalid URL: 'ftp://x' (allowed: http:// or https:// URL of the Function App)", "watch", Unknown, "--endpoint", "ftp://x")]
    [InlineData("drain: error: unrecognized arguments: --now", "status", Unknown, "--now")]
    [InlineData("drain: error: unrecognized arguments: extra", "cancel", Unknown, "extra")]
    public void Command_BadUsage_Exit2NamingTheArgument(string expected, params string[] args)
    {
        var result = CliRunner.Run(string.Empty, args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("cancel")]
    [InlineData("logs")]
    [InlineData("watch")]
    public void Command_Help_PrintsUsageAndTouchesNothing(string command)
    {
        var result = CliRunner.Run(string.Empty, command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Usage:\n  {System.CommandLine.RootCommand.ExecutableName} {command} ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("<ID>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--endpoint <URL>", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_UnknownSession_Exit1WithOneLine()
    {
        var status = await RunAsync("status", Unknown);
        var cancel = await RunAsync("cancel", Unknown, "--now");
        var logs = await RunAsync("logs", Unknown, "run", "phase");
        var watch = await RunAsync("watch", Unknown);

        Assert.Equal((1, $"drain status: session {Unknown} not found\n"), (status.ExitCode, status.Stderr));
        Assert.Equal((1, $"drain cancel: session {Unknown} not found\n"), (cancel.ExitCode, cancel.Stderr));
        Assert.Equal((1, $"drain logs: no log of phase run/phase in session {Unknown}\n"), (logs.ExitCode, logs.Stderr));
        Assert.Equal((1, $"drain: session {Unknown} not found\n"), (watch.ExitCode, watch.Stderr));
    }

    [Fact]
    public async Task Commands_RunningDrain_StatusFollowWatchThenCancelNow()
    {
        await SeedAsync(environment["DATABASE_URL"]);
        using var drain = DrainProcess.Start(environment, "--batch-size", "2", "--phase-timeout-seconds", "300", "--executor-command", HangingExecutor(folder));
        var sessionId = drain.WaitForLine(l => l.StartsWith("Session ID: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2))["Session ID: ".Length..];
        var draining = drain.WaitForLine(l => l.StartsWith("  Draining: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var (run, phase) = RunAndPhase(draining);

        var running = await RunAsync("status", sessionId);
        using var follow = DrainProcess.Start(environment, "logs", sessionId, run, phase, "--follow");
        using var watch = DrainProcess.Start(environment, "watch", sessionId);
        follow.WaitForLine(l => l == $"hello from {run}/{phase}", TimeSpan.FromMinutes(1));
        watch.WaitForLine(l => l == draining, TimeSpan.FromMinutes(1));
        var cancel = await RunAsync("cancel", sessionId, "--now");
        await drain.WaitForExitAsync(TimeSpan.FromMinutes(2));
        var followCode = await follow.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var watchCode = await watch.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var ended = await RunAsync("status", sessionId, "--output", "json");
        var again = await RunAsync("cancel", sessionId);
        var logs = await RunAsync("logs", sessionId, run, phase);
        var otherPhase = await RunAsync("logs", sessionId, run, "no-such-phase");

        Assert.True(running.ExitCode == 0, running.Stderr);
        Assert.Contains("State:         running\n", running.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Current phase: {run}:{phase}\n", running.Stdout, StringComparison.Ordinal);
        Assert.Contains("[CANCELLED] Cancel requested (now) - current phase stopped and restored", drain.Stdout, StringComparison.Ordinal);
        AssertCancelledNow(sessionId, cancel, (follow, followCode), (watch, watchCode), ended, again);
        Assert.Equal((0, $"hello from {run}/{phase}\n", "complaint on stderr\n"), (logs.ExitCode, logs.Stdout, logs.Stderr));
        Assert.Equal(1, otherPhase.ExitCode);
    }

    /// <summary>
    /// What every way of reaching the drains shows after <c>cancel --now</c> of a drain that was being
    /// followed and watched: the cancel's line, the follower's end, the watcher's last lines and
    /// summary, the state (<c>--output json</c>) and a second cancel refused.
    /// </summary>
    internal static void AssertCancelledNow(string sessionId, CliResult cancel, (DrainProcess Process, int Code) follow, (DrainProcess Process, int Code) watch, CliResult ended, CliResult again)
    {
        Assert.Equal((0, $"Cancel requested (now): session {sessionId} stops its current phase, restores it and stops\n"), (cancel.ExitCode, cancel.Stdout));
        Assert.Equal(0, follow.Code);
        Assert.Contains("complaint on stderr", follow.Process.Stderr, StringComparison.Ordinal);
        Assert.True(watch.Code is 0 or 1, watch.Process.Stderr);
        Assert.Contains("[CANCELLED] Cancel requested (now)", watch.Process.Stdout, StringComparison.Ordinal);
        Assert.Contains("BATCH DRAIN SUMMARY", watch.Process.Stdout, StringComparison.Ordinal);
        var json = JsonDocument.Parse(ended.Stdout).RootElement;
        Assert.Equal("cancelled", json.GetProperty("state").GetString());
        Assert.Equal("Cancelled", json.GetProperty("stop").GetString());
        Assert.Equal(1, json.GetProperty("processed").GetInt32());
        Assert.Equal(2, json.GetProperty("batchSize").GetInt32());
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith($"drain cancel: session {sessionId} is not running (Completed)", again.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The run and phase of a <c>  Draining: RUN / PHASE (index N)</c> line.</summary>
    internal static (string Run, string Phase) RunAndPhase(string draining)
    {
        var text = draining["  Draining: ".Length..draining.LastIndexOf(" (index ", StringComparison.Ordinal)];
        var parts = text.Split(" / ");
        return (parts[0], parts[1]);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
