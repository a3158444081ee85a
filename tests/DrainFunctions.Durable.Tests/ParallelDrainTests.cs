using System.Globalization;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Tests.Infrastructure;

namespace DrainFunctions.Durable.Tests;

/// <summary>Parallel slots (issue 13) on the real engine, checked from the executor's own start/stop log.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class ParallelDrainTests
{
    private sealed record Span(string Run, string Phase, int Slot, long Start, long? Stop);

    /// <summary>Logs each start and stop with the slot it was given; hang* never ends by itself.</summary>
    private static string Executor(TestBed bed)
    {
        var script = Path.Combine(bed.Directory, "slot-executor.sh");
        File.WriteAllText(script, $$"""
            #!/usr/bin/env bash
            run="$1"; phase="$2"; slot="$3"
            echo $$ > '{{bed.PidDirectory}}'/"$phase.pid"
            echo "start $run $phase $slot $(date +%s%N)" >> '{{LogOf(bed)}}'
            case "$phase" in
              hang*) exec sleep 600 ;;
              zero*) sleep 0.5; dotnet '{{TestBed.DemoExecutorDll}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 0 ;;
              *) sleep 1; dotnet '{{TestBed.DemoExecutorDll}}' --run-id "$run" --phase-id "$phase" --outcome complete --telemetry 1 ;;
            esac
            echo "stop $run $phase $slot $(date +%s%N)" >> '{{LogOf(bed)}}'
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        return $"bash '{script}' {{run_id}} {{phase_id}} {{slot}}";
    }

    private static string LogOf(TestBed bed) => Path.Combine(bed.Directory, "slots.log");

    private static List<Span> Spans(TestBed bed)
    {
        var lines = File.Exists(LogOf(bed)) ? File.ReadAllLines(LogOf(bed)) : [];
        var stops = lines.Where(l => l.StartsWith("stop ", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToDictionary(p => p[1] + ":" + p[2], p => long.Parse(p[4], CultureInfo.InvariantCulture));
        return [.. lines.Where(l => l.StartsWith("start ", StringComparison.Ordinal)).Select(l => l.Split(' '))
            .Select(p => new Span(p[1], p[2], int.Parse(p[3], CultureInfo.InvariantCulture), long.Parse(p[4], CultureInfo.InvariantCulture), stops.TryGetValue(p[1] + ":" + p[2], out var stop) ? stop : null))];
    }

    /// <summary>The most spans open at one instant.</summary>
    private static int PeakOverlap(IEnumerable<Span> spans) =>
        spans.SelectMany(s => new[] { (At: s.Start, Delta: 1), (At: s.Stop ?? long.MaxValue, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta)
            .Aggregate((Open: 0, Peak: 0), (acc, e) => (acc.Open + e.Delta, Math.Max(acc.Peak, acc.Open + e.Delta))).Peak;

    private static DrainOrchestrationInput Input(DrainOptions options) => new() { Options = options, GraceSeconds = 1 };

    /// <summary>Three phases were in flight when the drain was cut: every process gone, each result interrupted, every phase back to FAILED as it was.</summary>
    private static async Task AssertThreeStoppedAndRestoredAsync(TestBed bed, string sessionId, string interruptedBy, string state)
    {
        var spans = Spans(bed);
        Assert.Equal(3, spans.Count);
        foreach (var span in spans)
        {
            Assert.True(await TestBed.WaitGoneAsync(bed.PidOf(span.Phase)!.Value, TimeSpan.FromSeconds(5)), $"{span.Phase} outlived the {interruptedBy}");
        }

        var session = await bed.ReadSessionAsync(sessionId);
        Assert.Equal(3, session.Results.Count);
        Assert.All(session.Results, r => Assert.Equal(interruptedBy, r.InterruptedBy));
        Assert.All((await bed.AllStatesAsync()).Values, s => Assert.Equal(state, s));
    }

    [Fact]
    public async Task Drain_ThreeSlotsRunsOfSeveralPhases_NeverTwoPhasesOfARunAtOnce()
    {
        await using var bed = await TestBed.CreateAsync();
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-d" })
        {
            for (var i = 0; i < 3; i++)
            {
                await bed.AddPhaseAsync(run, $"ok-{run[^1]}{i}", i);
            }
        }

        await using var host = await bed.StartLocalHostAsync(o => o.CommandTemplate = Executor(bed));
        var (output, metadata) = await TestBed.RunAsync(host.Client, Input(new DrainOptions { BatchSize = 12, PhaseTimeoutSeconds = 60, Parallel = 3, LedgerEnabled = false }), TimeSpan.FromMinutes(3));

        Assert.Equal(12, output.TotalProcessed);
        Assert.Equal(12, output.TotalSuccess);
        var spans = Spans(bed);
        Assert.Equal(12, spans.Count);
        Assert.All(spans, s => Assert.NotNull(s.Stop));
        foreach (var run in spans.GroupBy(s => s.Run))
        {
            Assert.Equal(1, PeakOverlap(run));
        }

        // Parallel indeed, and never beyond the slots; each slot runs one phase at a time.
        Assert.InRange(PeakOverlap(spans), 2, 3);
        Assert.All(spans.GroupBy(s => s.Slot), slot => Assert.Equal(1, PeakOverlap(slot)));
        Assert.All(spans, s => Assert.InRange(s.Slot, 1, 3));

        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(12, session.Results.Select(r => r.Key).Distinct().Count());
        Assert.Equal(spans.Select(s => (s.Run + ":" + s.Phase, s.Slot)).Order(), session.Results.Select(r => (r.Key, r.Slot!.Value)).Order());
        Assert.Equal(12, session.State.TotalTelemetryEvents);
        Assert.Contains("Parallel Slots: 3 (phases per slot: ", await bed.ReadBlobAsync(Storage.BlobSessionStore.SummaryBlobName(output.SessionId)), StringComparison.Ordinal);
        Assert.All((await bed.AllStatesAsync()).Values, state => Assert.StartsWith("COMPLETE", state, StringComparison.Ordinal));
        var lines = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text).ToList();
        Assert.Contains(lines, l => l.StartsWith("  [OK] Success: COMPLETE [slot ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_ThreeSlotsBatchOfFour_StartsExactlyFour()
    {
        await using var bed = await TestBed.CreateAsync();
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-d", "run-e" })
        {
            await bed.AddPhaseAsync(run, $"ok-{run[^1]}0", 0);
            await bed.AddPhaseAsync(run, $"ok-{run[^1]}1", 1);
        }

        await using var host = await bed.StartLocalHostAsync(o => o.CommandTemplate = Executor(bed));
        var (output, _) = await TestBed.RunAsync(host.Client, Input(new DrainOptions { BatchSize = 4, PhaseTimeoutSeconds = 60, Parallel = 3, LedgerEnabled = false }), TimeSpan.FromMinutes(2));

        Assert.Equal("BatchComplete", output.Stop);
        Assert.Equal(4, output.TotalProcessed);
        Assert.Equal(4, Spans(bed).Count);
        Assert.Equal(6, (await bed.AllStatesAsync()).Values.Count(s => s.StartsWith("FAILED", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Drain_ThreeSlotsZeroYieldStop_InFlightPhasesFinishAndNoneStartsAfter()
    {
        await using var bed = await TestBed.CreateAsync();
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-d", "run-e", "run-f" })
        {
            await bed.AddPhaseAsync(run, $"zero-{run[^1]}", 0);
        }

        await using var host = await bed.StartLocalHostAsync(o => o.CommandTemplate = Executor(bed));
        var (output, _) = await TestBed.RunAsync(host.Client, Input(new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 60, Parallel = 3, MaxConsecutiveZeroYield = 2, LedgerEnabled = false }), TimeSpan.FromMinutes(2));

        Assert.Equal("ZeroYieldLimit", output.Stop);
        var spans = Spans(bed);

        // The stop comes at the second result; what was in flight then (at most two more) ends and counts.
        Assert.InRange(output.TotalProcessed, 2, 4);
        Assert.Equal(output.TotalProcessed, spans.Count);
        Assert.All(spans, s => Assert.NotNull(s.Stop));
        Assert.DoesNotContain((await bed.AllStatesAsync()).Values, s => s.StartsWith("QUEUED", StringComparison.Ordinal) || s.StartsWith("EXECUTING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_ThreeSlotsBudgetRunsOut_EveryPhaseInFlightStoppedRestoredAndCounted()
    {
        await using var bed = await TestBed.CreateAsync();
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-d" })
        {
            await bed.AddPhaseAsync(run, $"hang-{run[^1]}", 0, reason: "Builder timed out after 900s");
        }

        await using var host = await bed.StartLocalHostAsync(o => o.CommandTemplate = Executor(bed));
        var (output, _) = await TestBed.RunAsync(host.Client, Input(new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 120, MaxTotalMinutes = 0.15, Parallel = 3, LedgerEnabled = false }), TimeSpan.FromMinutes(2));

        Assert.Equal("TimeLimit", output.Stop);
        await AssertThreeStoppedAndRestoredAsync(bed, output.SessionId, "budget", "FAILED|Builder timed out after 900s");
    }

    [Fact]
    public async Task Drain_ThreeSlotsCancelNow_StopsAndRestoresEveryPhaseInFlight()
    {
        await using var bed = await TestBed.CreateAsync();
        foreach (var run in new[] { "run-a", "run-b", "run-c", "run-d" })
        {
            await bed.AddPhaseAsync(run, $"hang-{run[^1]}", 0, reason: "ImportError: y");
        }

        await using var host = await bed.StartLocalHostAsync(o => o.CommandTemplate = Executor(bed));
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), Input(new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 120, Parallel = 3, LedgerEnabled = false }));
        for (var i = 0; i < 300 && Spans(bed).Count < 3; i++)
        {
            await Task.Delay(100);
        }

        var live = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
        var status = live!.ReadCustomStatusAs<DrainStatus>()!;
        Assert.Equal(3, status.Parallel);
        Assert.Equal([1, 2, 3], status.InFlight!.Select(p => p.Slot).Order());

        await host.Client.RaiseEventAsync(id, CancelRequest.EventName, new CancelRequest(CancelRequest.Now));
        var (output, _) = await TestBed.CompleteAsync(host.Client, id, TimeSpan.FromSeconds(60));

        Assert.Equal("Cancelled", output.Stop);
        await AssertThreeStoppedAndRestoredAsync(bed, output.SessionId, "cancel", "FAILED|ImportError: y");
    }
}
