using DrainFunctions.Core.Options;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Tests.Infrastructure;

namespace DrainFunctions.Durable.Tests;

/// <summary>Sample-first triage on the real durable engine, over a SQLite backlog.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class SampleFirstDrainTests
{
    private const string Promising = "Promising (continue draining)";

    [Fact]
    public async Task DryRun_SampleFirst_OnePhasePerRunFirstAsMeasuredOnTheTool()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "p0", 0);
        await bed.AddPhaseAsync("run-a", "p1", 1);
        await bed.AddPhaseAsync("run-a", "p2", 2);
        await bed.AddPhaseAsync("run-b", "p9", 9);
        var before = await bed.AllStatesAsync();
        await using var host = await bed.StartHostAsync();

        // Two picks per generation: the triage sets must survive ContinueAsNew.
        var input = new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 10, DryRun = true, SampleFirst = true }, PhasesPerGeneration = 2 };
        var (output, metadata) = await TestBed.RunAsync(host, input);

        Assert.Equal(["run-a:p0", "run-b:p9", "run-a:p1", "run-a:p2"], output.DryRunPicks);
        Assert.Equal("BacklogEmpty", output.Stop);
        Assert.True(output.Generations > 1);
        Assert.Equal(before, await bed.AllStatesAsync());
        Assert.Empty(await bed.ListBlobsAsync());
        var lines = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text).ToList();
        Assert.Contains("Mode: DRY RUN (no changes will be made)", lines);
        Assert.Contains("  - Sample-first triage: enabled", lines);
        Assert.Equal(
            [
                "  [DRY RUN] Would drain: run-a / p0", $"  [SAMPLE-OK] run-a: {Promising}",
                "  [DRY RUN] Would drain: run-b / p9", $"  [SAMPLE-OK] run-b: {Promising}",
                "  [DRY RUN] Would drain: run-a / p1",
                "  [DRY RUN] Would drain: run-a / p2",
            ],
            lines.Where(l => l.Contains("[DRY RUN]", StringComparison.Ordinal) || l.Contains("[SAMPLE-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Drain_SampleFirst_RepeatingRunDeprioritizedItsPhasesSkipped()
    {
        // The test executor fails every fail* phase with the same import error (one fingerprint)
        // and completes the others with 2 telemetry rows.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "fail-a0", 0);
        await bed.AddPhaseAsync("run-a", "fail-a1", 1);
        await bed.AddPhaseAsync("run-b", "fail-b0", 0);
        await bed.AddPhaseAsync("run-b", "fail-b1", 1);
        await bed.AddPhaseAsync("run-c", "ok-c0", 0);
        await using var host = await bed.StartHostAsync();

        var options = new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 60, MaxFingerprintRepeats = 10, SampleFirst = true, LedgerEnabled = false };
        var (output, metadata) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = options, PhasesPerGeneration = 25, GraceSeconds = 1 }, TimeSpan.FromMinutes(3));

        // run-a's failure is the first with its fingerprint (promising); run-b's repeats it
        // (deprioritized); run-c succeeds. Then only run-a goes deeper; run-b's last phase is
        // skipped and nothing else is eligible: it is not drained.
        Assert.Equal("NoEligiblePhases", output.Stop);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(["run-a:fail-a0", "run-b:fail-b0", "run-c:ok-c0", "run-a:fail-a1"], session.Results.Select(r => r.Key));
        Assert.Equal(["run-a", "run-b", "run-c"], session.State.SampledRuns);
        Assert.Equal(["run-a", "run-c"], session.State.PromisingRuns);
        Assert.Equal(["run-b"], session.State.DeprioritizedRuns);
        Assert.StartsWith("FAILED|", (await bed.AllStatesAsync())["run-b:fail-b1"], StringComparison.Ordinal);

        var fingerprint = session.Results[0].FailureFingerprint!;
        Assert.Equal("FAILED|rc1|importerror at line num: cannot import module from path:num", fingerprint);
        var lines = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text).ToList();
        Assert.Equal(
            [
                $"  [SAMPLE-OK] run-a: {Promising}",
                $"  [SAMPLE-SKIP] run-b: Deprioritized (repeating fingerprint: {fingerprint}...)",
                $"  [SAMPLE-OK] run-c: {Promising}",
            ],
            lines.Where(l => l.Contains("[SAMPLE-", StringComparison.Ordinal)));

        // The verdict comes right before the phase's outcome, as the tool prints it.
        var skipVerdict = lines.FindIndex(l => l.StartsWith("  [SAMPLE-SKIP]", StringComparison.Ordinal));
        Assert.Equal("  Draining: run-b / fail-b0 (index 0)", lines[skipVerdict - 1]);
        Assert.Equal("  [FAIL] Failed: FAILED", lines[skipVerdict + 1]);

        var skip = "  [SKIP] run-b/fail-b1: run run-b deprioritized (sample-first triage)";
        Assert.Equal(2, lines.Count(l => l == skip));
        Assert.Equal([skip, SelectionOutcome.AllSkippedLine], lines[^2..]);
    }
}
