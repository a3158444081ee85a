using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Tests.Shared;
using Xunit.Abstractions;

namespace DrainFunctions.Cli.Tests;

/// <summary>Crash tests share two cores with everything else: one at a time, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashGroup
{
    public const string Name = "crash";
}

/// <summary>
/// Issue 19 items 1, 2, 3, 4 and 12 through the real <c>drain</c> command: the local durable
/// host (Azure Storage backend over Azurite) in the CLI process, killed with SIGKILL, resumed;
/// real executors; Azurite stopped and started again.
/// </summary>
[Collection(CrashGroup.Name)]
public sealed class CrashAndOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static JsonElement Single(JsonElement session)
    {
        var results = session.GetProperty("results").EnumerateArray().ToList();
        Assert.Single(results);
        return results[0];
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [Fact]
    public async Task Resume_AfterKill9MidPhase_AdoptsTheOrphanAndThePhaseNeverRunsTwiceAtOnce()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0);

        // The first run sleeps 30 s and fails; a later run completes at once.
        bed.Plan(new JsonObject
        {
            ["run-a:p1"] = new JsonObject
            {
                ["sleep"] = 30,
                ["outcome"] = "fail",
                ["reason"] = "ImportError: orphan result",
                ["again"] = new JsonObject { ["sleep"] = 1, ["outcome"] = "complete" },
            },
        });
        using (var first = DrainProcess.Start(bed.Environment, "--batch-size", "1", "--phase-timeout-seconds", "120", "--executor-command", bed.Template))
        {
            var started = await bed.WaitForEventAsync("start", "run-a:p1", TimeSpan.FromMinutes(2));
            await Task.Delay(TimeSpan.FromSeconds(2));
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(Alive(started.Pid), "the executor did not survive the drain's SIGKILL; nothing to adopt");
        }

        using var resumed = DrainProcess.Start(bed.Environment, "--resume", "--executor-command", bed.Template, "--json");
        var resumedCode = await resumed.WaitForExitAsync(Long);
        var session = CrashBed.LastJson(resumed.Stdout);

        // The orphan was waited for; its real outcome is the result.
        Assert.Equal(1, resumedCode);
        var result = Single(session);
        Assert.Equal("FAILED", Text(result, "final_state"));
        Assert.Equal("ImportError: orphan result", Text(result, "error_message"));
        Assert.DoesNotContain("restored to FAILED", resumed.Stdout + resumed.Stderr, StringComparison.Ordinal);
        Assert.NotNull(bed.Events().SingleOrDefault(e => e.Kind == "exit" && e.Key == "run-a:p1"));

        // The next drain picks the phase again (it is FAILED), and only now.
        using var next = DrainProcess.Start(bed.Environment, "--batch-size", "1", "--phase-timeout-seconds", "120", "--executor-command", bed.Template, "--json");
        Assert.Equal(0, await next.WaitForExitAsync(Long));
        Assert.Equal(2, bed.Events().Count(e => e.Kind == "start" && e.Key == "run-a:p1"));
        Assert.Empty(bed.Overlaps());
        Assert.Equal("COMPLETE", bed.Phases()["run-a:p1"].State);
    }

    /// <summary>
    /// Issue 16: a host crash during an extension loses nothing. The drain is killed right after
    /// it moved a phase's deadline on; the executor lives on, the resumed drain adopts it, keeps
    /// watching its progress, moves the deadline on again, and records its real end.
    /// </summary>
    [Fact]
    public async Task Resume_AfterKill9RightAfterAnExtension_ExtendsAgainAndRecordsTheRealOutcome()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0);

        // 14 s of steady output and telemetry rows, then COMPLETE: a 6 s timeout must grow twice
        // (12 s, then 18 s). After the crash its output has nowhere to go: its rows show the progress.
        bed.Plan(new JsonObject { ["run-a:p1"] = new JsonObject { ["sleep"] = 14, ["tick"] = 0.3, ["tick_events"] = true, ["outcome"] = "complete" } });
        string[] flags = ["--batch-size", "1", "--phase-timeout-seconds", "6", "--extend-on-progress", "--max-phase-timeout-seconds", "18", "--executor-command", bed.Template];
        int executorPid;
        using (var first = DrainProcess.Start(bed.Environment, flags))
        {
            first.WaitForLine(l => l.StartsWith("    [EXTEND] progress seen", StringComparison.Ordinal), Long);
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            executorPid = bed.Events().Single(e => e.Kind == "start").Pid;
            Assert.True(Alive(executorPid), "the executor did not survive the drain's SIGKILL; nothing to adopt");
            Assert.EndsWith("deadline now 12s", first.Stdout.Split('\n').Single(l => l.Contains("[EXTEND]", StringComparison.Ordinal)), StringComparison.Ordinal);
        }

        using var resumed = DrainProcess.Start(bed.Environment, "--resume", "--executor-command", bed.Template, "--json");
        var code = await resumed.WaitForExitAsync(Long);
        Assert.True(code == 0, $"exit {code}\n{resumed.Stdout}\n{resumed.Stderr}\n{File.ReadAllText(bed.EventsPath)}");
        var result = Single(CrashBed.LastJson(resumed.Stdout));

        Assert.Equal("COMPLETE", Text(result, "final_state"));
        Assert.True(result.GetProperty("success").GetBoolean());
        var extensions = result.GetProperty("extensions").EnumerateArray().ToList();
        Assert.Equal([12, 18], extensions.Select(e => e.GetProperty("timeout_seconds").GetInt32()));
        Assert.True(extensions[1].GetProperty("new_events").GetInt64() > 5, "the second extension rests on the rows written after the crash");
        Assert.Single(bed.Events(), e => e.Kind == "start");
        Assert.Single(bed.Events(), e => e.Kind == "done");
        Assert.False(Alive(executorPid));
        Assert.Equal("COMPLETE", bed.Phases()["run-a:p1"].State);
    }

    /// <summary>
    /// Issue 17: the executor call that records a phase starts the next phase itself, before the
    /// orchestration has heard of it. Killed the instant that next executor starts (its call's answer
    /// may not have reached the orchestration yet), the resumed drain learns of that attempt (from the
    /// answer kept in the first attempt's marker, when the call is delivered again), adopts it and
    /// records its real end: each phase ran once, nothing was started twice or left behind.
    /// </summary>
    [Fact]
    public async Task Resume_AfterKill9AsTheNextPhaseStarts_AdoptsThatPhaseAndEachRunsOnce()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0);
        await bed.AddPhaseAsync("run-b", "p2", 0);
        bed.Plan(new JsonObject
        {
            ["run-a:p1"] = new JsonObject { ["sleep"] = 0, ["outcome"] = "complete" },
            ["run-b:p2"] = new JsonObject { ["sleep"] = 3, ["outcome"] = "complete" },
        });

        int nextPid;
        using (var first = DrainProcess.Start(bed.Environment, "--batch-size", "2", "--phase-timeout-seconds", "60", "--executor-command", bed.Template))
        {
            nextPid = (await bed.WaitForEventAsync("start", "run-b:p2", TimeSpan.FromMinutes(2))).Pid;
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(Alive(nextPid), "the executor did not survive the drain's SIGKILL; nothing to adopt");
        }

        using var resumed = DrainProcess.Start(bed.Environment, "--resume", "--executor-command", bed.Template, "--json");
        var code = await resumed.WaitForExitAsync(Long);
        Assert.True(code == 0, $"exit {code}\n{resumed.Stdout}\n{resumed.Stderr}\n{File.ReadAllText(bed.EventsPath)}");

        var results = CrashBed.LastJson(resumed.Stdout).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["p1", "p2"], results.Select(r => Text(r, "phase_id")));
        Assert.All(results, r => Assert.True(r.GetProperty("success").GetBoolean()));
        Assert.All(results, r => Assert.Null(Text(r, "interrupted_by")));
        Assert.Single(bed.Events(), e => e.Kind == "start" && e.Key == "run-a:p1");
        Assert.Single(bed.Events(), e => e.Kind == "start" && e.Key == "run-b:p2");
        Assert.Single(bed.Events(), e => e.Kind == "done" && e.Key == "run-b:p2");
        Assert.Empty(bed.Overlaps());
        Assert.False(Alive(nextPid));
        Assert.All(bed.Phases(), p => Assert.Equal("COMPLETE", p.Value.State));
    }

    [Fact]
    public async Task Resume_AfterKill9WhenExecutorFinished_RecordsItsTrueOutcomeAndExits0()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0);
        bed.Plan(new JsonObject { ["run-a:p1"] = new JsonObject { ["sleep"] = 1, ["outcome"] = "complete", ["linger"] = 3 } });

        // Killed the instant the executor has written COMPLETE, before the drain could read it.
        using (var first = DrainProcess.Start(bed.Environment, "--batch-size", "1", "--phase-timeout-seconds", "60", "--executor-command", bed.Template))
        {
            await bed.WaitForEventAsync("done", "run-a:p1", TimeSpan.FromMinutes(2));
            first.Crash();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        using var resumed = DrainProcess.Start(bed.Environment, "--resume", "--executor-command", bed.Template, "--json");
        var code = await resumed.WaitForExitAsync(Long);

        Assert.True(code == 0, resumed.Stderr);
        var result = Single(CrashBed.LastJson(resumed.Stdout));
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.Equal("COMPLETE", Text(result, "final_state"));
        Assert.Null(Text(result, "error_message"));
        Assert.Null(Text(result, "interrupted_by"));
        Assert.DoesNotContain("restored to FAILED", resumed.Stdout + resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal("COMPLETE", bed.Phases()["run-a:p1"].State);
        Assert.Single(bed.Events(), e => e.Kind == "start");
    }

    [Fact]
    public async Task Drain_ExecutorsLeaveDetachedChildren_NoneOutlivesItsPhaseOrTheDrain()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "hang", 0);
        await bed.AddPhaseAsync("run-a", "quit", 1);

        // Each phase leaves four 90-second sleepers: in the background, setsid, a daemon, a double fork.
        var script = Path.Combine(bed.Folder, "leaver.sh");
        await File.WriteAllTextAsync(script, $$"""
            #!/usr/bin/env bash
            d='{{bed.Folder}}'/"$2"; mkdir -p "$d"
            sleep 90 & echo $! > "$d/bg.pid"
            setsid sleep 90 & echo $! > "$d/setsid.pid"
            ( setsid sleep 90 >/dev/null 2>&1 < /dev/null & echo $! > "$d/daemon.pid" )
            ( ( exec sleep 90 ) & echo $! > "$d/double.pid" ) &
            while [ ! -s "$d/double.pid" ]; do sleep 0.05; done
            if [ "$2" = hang ]; then exec sleep 600; fi
            exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        List<int> Children(string phase) => [.. new[] { "bg", "setsid", "daemon", "double" }
            .Select(c => int.Parse(File.ReadAllText(Path.Combine(bed.Folder, phase, c + ".pid")).Trim(), CultureInfo.InvariantCulture))];

        using var drain = DrainProcess.Start(bed.Environment, "--batch-size", "2", "--phase-timeout-seconds", "5", "--executor-command", $"bash '{script}' {{run_id}} {{phase_id}}");

        // When the second phase is drained, the first (killed at its deadline) has left nothing running.
        drain.WaitForLine(l => l.StartsWith("  Draining: run-a / quit", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var afterFirst = Children("hang").Where(Alive).ToList();
        var code = await drain.WaitForExitAsync(Long);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var afterDrain = Children("hang").Concat(Children("quit")).Where(Alive).ToList();

        Assert.True(code == 1, drain.Stderr);
        Assert.Contains("Total Processed: 2", drain.Stdout, StringComparison.Ordinal);
        Assert.True(afterFirst.Count == 0, $"the timed-out phase's processes {string.Join(' ', afterFirst)} outlived it");
        Assert.True(afterDrain.Count == 0, $"processes {string.Join(' ', afterDrain)} outlived the drain");
    }

    [Fact]
    public async Task Drain_AzuriteStoppedWhileAPhaseRuns_PausesAndRecordsEveryTrueOutcome()
    {
        await using var azurite = await PrivateAzurite.StartAsync(CliRunner.RepoRoot());
        using var bed = new CrashBed(azurite.ConnectionString);
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "p1", 0);
        await bed.AddPhaseAsync("run-a", "p2", 1);
        bed.Plan(new JsonObject
        {
            ["run-a:p1"] = new JsonObject { ["sleep"] = 6, ["outcome"] = "complete" },
            ["run-a:p2"] = new JsonObject { ["sleep"] = 1, ["outcome"] = "fail", ["reason"] = "ImportError: p2 for real" },
        });

        using var drain = DrainProcess.Start(bed.Environment, "--batch-size", "2", "--phase-timeout-seconds", "120", "--executor-command", bed.Template, "--json");
        await bed.WaitForEventAsync("start", "run-a:p1", TimeSpan.FromMinutes(2));

        // Storage goes away while p1 runs; p1 finishes during the outage.
        var outage = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("DRAIN_TEST_OUTAGE_SECONDS"), out var s) ? s : 45);
        await azurite.StopAsync();
        var stopped = DateTime.UtcNow;
        await bed.WaitForEventAsync("exit", "run-a:p1", TimeSpan.FromMinutes(1));
        await Task.Delay(outage - (DateTime.UtcNow - stopped));
        Assert.False(drain.HasExited, "the drain gave up during the storage outage: " + drain.Stderr);
        await azurite.StartAgainAsync();
        var code = await drain.WaitForExitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine($"storage outage survived: {outage.TotalSeconds:F0} s; stderr:\n{drain.Stderr}");

        Assert.True(code == 1, drain.Stderr);
        var results = CrashBed.LastJson(drain.Stdout).GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["run-a:p1", "run-a:p2"], results.Select(r => $"{Text(r, "run_id")}:{Text(r, "phase_id")}"));
        Assert.True(results[0].GetProperty("success").GetBoolean(), results[0].ToString());
        Assert.Equal("FAILED", Text(results[1], "final_state"));
        Assert.Equal("ImportError: p2 for real", Text(results[1], "error_message"));
        Assert.DoesNotContain(results, r => Text(r, "interrupted_by") is not null);
        Assert.Equal(1, bed.Events().Count(e => e.Kind == "start" && e.Key == "run-a:p1"));
    }

    [Fact]
    public async Task Drain_ExecutorPrints200MB_StoredWholeWithPeakMemoryBounded()
    {
        using var bed = new CrashBed();
        await bed.InitAsync();
        await bed.AddPhaseAsync("run-a", "quiet", 0);
        await bed.AddPhaseAsync("run-a", "loud", 1);
        bed.Plan(new JsonObject
        {
            ["run-a:quiet"] = new JsonObject { ["sleep"] = 3, ["outcome"] = "complete" },
            ["run-a:loud"] = new JsonObject { ["print_mb"] = 200, ["outcome"] = "complete" },
        });

        using var drain = DrainProcess.Start(bed.Environment, "--batch-size", "2", "--phase-timeout-seconds", "300", "--executor-command", bed.Template, "--json");
        long baseline = 0;
        long peak = 0;
        var loudStarted = false;
        while (!drain.HasExited)
        {
            // VmHWM: the most memory the drain process ever had resident.
            if (ReadKb(drain.Id, "VmHWM") is { } hwm)
            {
                peak = Math.Max(peak, hwm);
                loudStarted |= bed.Events().Any(e => e.Key == "run-a:loud");
                if (!loudStarted)
                {
                    baseline = hwm;
                }
            }

            await Task.Delay(100);
        }

        Assert.True(await drain.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, drain.Stderr);
        var results = CrashBed.LastJson(drain.Stdout).GetProperty("results").EnumerateArray().ToList();
        var loud = results.Single(r => Text(r, "phase_id") == "loud");
        Assert.True(loud.GetProperty("success").GetBoolean());
        Assert.Equal("executing run-a:loud\n" + new string('x', 479), Text(loud, "subprocess_stdout_excerpt"));
        var stored = await BlobLengthAsync(bed, Text(loud, "subprocess_stdout_path")!);
        output.WriteLine($"peak working set (VmHWM) of the drain process: {peak / 1024.0:F0} MiB; before the 200 MB phase: {baseline / 1024.0:F0} MiB; stdout blob {stored} bytes");
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "drain-memory.log"), FormattableString.Invariant($"{DateTime.UtcNow:O} 200MB: peak {peak / 1024.0:F0} MiB, baseline {baseline / 1024.0:F0} MiB\n"));
        Assert.Equal(("executing run-a:loud\n".Length) + (200L * 1024 * 1024), stored);
        Assert.True(peak - baseline < 100 * 1024, $"200 MB of output took the drain from {baseline / 1024} MiB to {peak / 1024} MiB");
        Assert.True(peak < 400 * 1024, $"the drain peaked at {peak / 1024} MiB");
    }

    private static long? ReadKb(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<long> BlobLengthAsync(CrashBed bed, string blobName)
    {
        var container = new Azure.Storage.Blobs.BlobContainerClient(bed.Environment["AzureWebJobsStorage"], bed.Environment["Snapshots__ContainerName"]);
        var length = (await container.GetBlobClient(blobName).GetPropertiesAsync()).Value.ContentLength;

        // 200 MB of test output does not stay in the shared Azurite.
        await container.DeleteIfExistsAsync();
        return length;
    }
}
