using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Tests.Infrastructure;

namespace DrainFunctions.Durable.Tests;

/// <summary>
/// Issue 16, part 1: progress-aware timeouts on the real engine, with real processes. A phase
/// timeout of 3 s, looked at 1 s before each deadline, up to 9 s.
/// </summary>
[Collection(DurableSerialGroup.Name)]
public sealed class ProgressTimeoutTests
{
    private static DrainOrchestrationInput Input(int? maxSeconds = 9) => new()
    {
        Options = new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 3, ExtendOnProgress = true, MaxPhaseTimeoutSeconds = maxSeconds },
        GraceSeconds = 1,
    };

    private static List<string> Lines(Microsoft.DurableTask.Client.OrchestrationMetadata metadata) =>
        [.. metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text)];

    [Fact]
    public async Task Drain_ExecutorWritingPastItsTimeout_ExtendedUpToTheMaximumThenKilledThere()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "chatty-1", 0);
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input());

        var session = await bed.ReadSessionAsync(output.SessionId);
        var result = Assert.Single(session.Results);
        Assert.Equal("TIMEOUT", result.FinalState);
        Assert.Equal("Phase execution timed out after 9 seconds", result.ErrorMessage);
        Assert.Equal([6, 9], result.Extensions!.Select(e => e.TimeoutSeconds));
        Assert.All(result.Extensions!, e => Assert.True(e.NewOutputBytes > 0 && e.AtSeconds < e.TimeoutSeconds - 3, $"extension {e}"));
        var extendLines = Lines(metadata).Where(l => l.StartsWith("    [EXTEND] progress seen (+0 events, +", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, extendLines.Count);
        Assert.EndsWith("KB output): deadline now 6s", extendLines[0], StringComparison.Ordinal);
        Assert.EndsWith("KB output): deadline now 9s", extendLines[1], StringComparison.Ordinal);
        Assert.StartsWith("FAILED|Phase execution timed out after 9 seconds", (await bed.AllStatesAsync())["run-a:chatty-1"], StringComparison.Ordinal);

        // The process ran on past the base timeout, and died at the extended deadline, not later.
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("chatty-1")!.Value, TimeSpan.FromSeconds(5)), "the executor is still alive");
        var ticks = (await File.ReadAllLinesAsync(Path.Combine(bed.PidDirectory, "chatty-1.ticks"))).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        var ranFor = ticks[^1] - ticks[0];
        Assert.InRange(ranFor, 7.5, 9.5);
        await Task.Delay(1000);
        Assert.Equal(ticks.Count, (await File.ReadAllLinesAsync(Path.Combine(bed.PidDirectory, "chatty-1.ticks"))).Length);
    }

    [Fact]
    public async Task Drain_SilentHangWithExtendOnProgress_StoppedAtTheBaseTimeout()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "hang-1", 0);
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input());

        var result = Assert.Single((await bed.ReadSessionAsync(output.SessionId)).Results);
        Assert.Equal("Phase execution timed out after 3 seconds", result.ErrorMessage);
        Assert.Null(result.Extensions);
        Assert.DoesNotContain(Lines(metadata), l => l.Contains("[EXTEND]", StringComparison.Ordinal));
        Assert.True(await TestBed.WaitGoneAsync(bed.PidOf("hang-1")!.Value, TimeSpan.FromSeconds(5)), "the hanging executor is still alive");
        Assert.StartsWith("FAILED|Phase execution timed out after 3 seconds", (await bed.AllStatesAsync())["run-a:hang-1"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_BannerThenSilence_NotProgressStoppedAtTheBaseTimeout()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "banner-1", 0);
        await using var host = await bed.StartHostAsync();

        // An 8 s timeout is looked at after 7 s, over the 2 s before: the banner at the start is older.
        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 8, ExtendOnProgress = true }, GraceSeconds = 1 });

        var result = Assert.Single((await bed.ReadSessionAsync(output.SessionId)).Results);
        Assert.Equal("Phase execution timed out after 8 seconds", result.ErrorMessage);
        Assert.Null(result.Extensions);
        Assert.StartsWith("starting banner-1", result.SubprocessStdoutExcerpt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_SteadyPhaseNeedingOneMoreTimeout_ExtendedOnceAndCompletes()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "steady-1", 0);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, Input(maxSeconds: null));

        var result = Assert.Single((await bed.ReadSessionAsync(output.SessionId)).Results);
        Assert.True(result.Success, result.ErrorMessage);
        Assert.Equal("COMPLETE", result.FinalState);
        var extension = Assert.Single(result.Extensions!);
        Assert.Equal(6, extension.TimeoutSeconds);
        Assert.Equal("COMPLETE|", (await bed.AllStatesAsync())["run-a:steady-1"]);
    }

    [Fact]
    public async Task Drain_ExtendOnProgressOff_ChattyExecutorStoppedAtItsTimeout()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "chatty-1", 0);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 5, PhaseTimeoutSeconds = 3 }, GraceSeconds = 1 });

        var result = Assert.Single((await bed.ReadSessionAsync(output.SessionId)).Results);
        Assert.Equal("Phase execution timed out after 3 seconds", result.ErrorMessage);
        Assert.Null(result.Extensions);
    }
}
