using System.Globalization;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

/// <summary>
/// Issue 19 item 2: nothing a phase started outlives it. Real executors that leave children
/// behind in every way a shell can (background, setsid, double fork, daemon with closed output),
/// with the cgroup containment and with the tag fallback.
/// </summary>
[Collection(DurableSerialGroup.Name)]
public sealed class ContainmentTests
{
    private static readonly string[] Children = ["bg", "setsid", "daemon", "double"];

    /// <summary>Starts four 90-second sleepers that escape the process tree in different ways, then hangs or exits.</summary>
    private static async Task<string> WriteScriptAsync(TestBed bed)
    {
        var script = Path.Combine(bed.Directory, "leaver.sh");
        await File.WriteAllTextAsync(script, """
            #!/usr/bin/env bash
            d="$1"
            sleep 90 & echo $! > "$d/bg.pid"
            setsid sleep 90 & echo $! > "$d/setsid.pid"
            ( setsid sleep 90 >/dev/null 2>&1 < /dev/null & echo $! > "$d/daemon.pid" )
            ( ( exec sleep 90 ) & echo $! > "$d/double.pid" ) &
            while [ ! -s "$d/double.pid" ]; do sleep 0.05; done
            echo started
            if [ "$2" = hang ]; then exec sleep 600; fi
            exit 0
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        return script;
    }

    private static List<int> ChildPids(string folder) =>
        [.. Children.Select(c => int.Parse(File.ReadAllText(Path.Combine(folder, c + ".pid")).Trim(), CultureInfo.InvariantCulture))];

    [Theory]
    [InlineData("cgroup")]
    [InlineData("tag")]
    public async Task ProcessExecutor_DeadlineWithEscapedChildren_NoneOutlivesThePhase(string containment)
    {
        await using var bed = await TestBed.CreateAsync();
        var script = await WriteScriptAsync(bed);
        await using var services = bed.BuildServices(o =>
        {
            o.CommandTemplate = $"bash '{script}' '{bed.Directory}' hang";
            o.Containment = containment;
        });
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(new ExecutorRequest("s", "r", "p", 0, DateTimeOffset.UtcNow.AddSeconds(3), null), CancellationToken.None);

        Assert.True(run.TimedOut);
        Assert.Equal("started\n", run.StdoutExcerpt);
        var pids = ChildPids(bed.Directory);
        foreach (var pid in pids.Append(run.ProcessId!.Value))
        {
            Assert.True(await TestBed.WaitGoneAsync(pid, TimeSpan.FromSeconds(1)), $"process {pid} outlived its phase ({containment}); children {string.Join(' ', pids)}");
        }
    }

    [Theory]
    [InlineData("cgroup")]
    [InlineData("tag")]
    public async Task ProcessExecutor_ExitLeavingEscapedChildren_NoneOutlivesThePhase(string containment)
    {
        await using var bed = await TestBed.CreateAsync();
        var script = await WriteScriptAsync(bed);
        await using var services = bed.BuildServices(o =>
        {
            o.CommandTemplate = $"bash '{script}' '{bed.Directory}' exit";
            o.Containment = containment;
        });
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(new ExecutorRequest("s", "r", "p", 0, DateTimeOffset.UtcNow.AddSeconds(60), null), CancellationToken.None);

        Assert.Equal(0, run.ReturnCode);
        Assert.InRange(run.DurationSeconds, 0, 20);
        var pids = ChildPids(bed.Directory);
        foreach (var pid in pids)
        {
            Assert.True(await TestBed.WaitGoneAsync(pid, TimeSpan.FromSeconds(1)), $"process {pid} outlived its phase ({containment}); children {string.Join(' ', pids)}");
        }
    }

    [Fact]
    public async Task AttemptProcesses_CgroupAvailable_AutoChoosesCgroup()
    {
        // This machine (and CI, the same kind) has a writable cgroup v2: the strong containment must be the one used.
        await using var bed = await TestBed.CreateAsync();
        await using var services = bed.BuildServices();
        var processes = services.GetRequiredService<AttemptProcesses>();

        Assert.Equal(ContainmentMode.Cgroup, processes.Mode);
        Assert.NotNull(processes.CgroupRoot);
        Assert.True(Directory.Exists(processes.CgroupRoot));
    }

    [Theory]
    [InlineData("A=1\0DRAIN_ATTEMPT_ID=abc\0B=2\0", true)]
    [InlineData("DRAIN_ATTEMPT_ID=abc\0", true)]
    [InlineData("XDRAIN_ATTEMPT_ID=abc\0", false)]
    [InlineData("DRAIN_ATTEMPT_ID=abcd\0", false)]
    [InlineData("A=DRAIN_ATTEMPT_ID=abc\0", false)]
    [InlineData("", false)]
    public void ContainsVariable_EnvironBlock_MatchesWholeVariableOnly(string environ, bool expected) =>
        Assert.Equal(expected, AttemptProcesses.ContainsVariable(System.Text.Encoding.UTF8.GetBytes(environ), System.Text.Encoding.UTF8.GetBytes("DRAIN_ATTEMPT_ID=abc\0")));
}
