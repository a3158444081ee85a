using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

/// <summary>The in-process dry run against the orchestrated one, on a real SQLite backlog, Azurite and engine.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class DrainPreviewerTests
{
    private static async Task SeedAsync(TestBed bed)
    {
        await bed.AddPhaseAsync("run-a", "fail-1", 1, reason: "ImportError: x");
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-a", "ok-2", 2);
        await bed.AddPhaseAsync("run-b", "hang-1", 0, reason: "Builder timed out after 900s");
        await bed.AddPhaseAsync("run-b", "done", 1, state: "COMPLETE");
        await bed.AddPhaseAsync("run-c", "p0", 0);
    }

    private static DrainPreviewer Previewer(TestBed bed, ServiceProvider services) =>
        new(new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(bed.Url, null, ct)), services.GetRequiredService<BlobLedgerStore>());

    /// <summary>The banner's session id names the start second; the rest must match byte for byte.</summary>
    private static List<string> WithoutSessionId(IEnumerable<string> lines) =>
        [.. lines.Where(l => !l.StartsWith("Session ID: ", StringComparison.Ordinal))];

    [Theory]
    [InlineData(10, false)]
    [InlineData(3, false)]
    [InlineData(10, true)]
    public async Task RunAsync_SameBacklogAsOrchestratedDryRun_SameLinesPicksAndStop(int batchSize, bool sampleFirst)
    {
        await using var bed = await TestBed.CreateAsync();
        await SeedAsync(bed);
        await using var host = await bed.StartHostAsync();
        await using var services = bed.BuildServices();
        var options = new DrainOptions { BatchSize = batchSize, DryRun = true, SampleFirst = sampleFirst };

        var (output, metadata) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = options, PhasesPerGeneration = 2 });
        var streamed = new List<string>();
        var preview = await Previewer(bed, services).RunAsync(options, streamed.Add);

        var orchestrated = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text);
        Assert.Equal(WithoutSessionId(orchestrated), WithoutSessionId(streamed));
        Assert.Equal(WithoutSessionId(orchestrated), WithoutSessionId(preview.RecentLines));
        Assert.Equal(output.DryRunPicks, preview.Outcome.Picks);
        Assert.Equal(output.Stop, preview.Outcome.Stop);
        Assert.StartsWith(DrainInstances.PreviewPrefix, preview.PreviewId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WithHostRunning_LeavesNoInstanceNoBlobAndNoChange()
    {
        await using var bed = await TestBed.CreateAsync();
        await SeedAsync(bed);
        var before = await bed.AllStatesAsync();
        await using var host = await bed.StartHostAsync();
        await using var services = bed.BuildServices();

        var preview = await Previewer(bed, services).RunAsync(new DrainOptions { BatchSize = 2 });

        Assert.Equal(["run-a:ok-1", "run-c:p0"], preview.Outcome.Picks);
        Assert.Equal("BatchComplete", preview.Outcome.Stop);
        Assert.Equal(before, await bed.AllStatesAsync());
        Assert.Empty(await bed.ListBlobsAsync());
        var instances = new List<string>();
        await foreach (var instance in host.Client.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            instances.Add(instance.InstanceId);
        }

        Assert.Empty(instances);
    }

    [Fact]
    public async Task RunAsync_LedgerOffWithoutLedgerStore_PicksWithoutStorage()
    {
        await using var bed = await TestBed.CreateAsync();
        await SeedAsync(bed);
        var previewer = new DrainPreviewer(new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(bed.Url, null, ct)), ledger: null);

        var preview = await previewer.RunAsync(new DrainOptions { BatchSize = 1, LedgerEnabled = false });

        Assert.Equal(["run-a:ok-1"], preview.Outcome.Picks);
        await Assert.ThrowsAsync<InvalidOperationException>(() => previewer.RunAsync(new DrainOptions { BatchSize = 1 }));
    }

    [Fact]
    public async Task RunAsync_CancelledBeforeThePick_StopsWithTheCancelLine()
    {
        await using var bed = await TestBed.CreateAsync();
        await SeedAsync(bed);
        var previewer = new DrainPreviewer(new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(bed.Url, null, ct)), ledger: null);
        var lines = new List<string>();

        var preview = await previewer.RunAsync(new DrainOptions { BatchSize = 5, LedgerEnabled = false }, lines.Add, () => lines.Any(l => l.Contains("[DRY RUN]", StringComparison.Ordinal)) ? CancelRequest.Graceful : null);

        Assert.Equal(["run-a:ok-1"], preview.Outcome.Picks);
        Assert.Equal("Cancelled", preview.Outcome.Stop);
        Assert.Equal("\n[CANCELLED] Cancel requested (graceful) - stopping", lines[^1]);
    }
}
