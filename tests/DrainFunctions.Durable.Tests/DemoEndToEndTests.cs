using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;

namespace DrainFunctions.Durable.Tests;

/// <summary>The embedded default end to end: the demo backlog, the demo executor through the process executor.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class DemoEndToEndTests
{
    [Fact]
    public async Task Drain_DemoBacklogWithDemoExecutor_SessionMatchesDatabase()
    {
        await using var bed = await TestBed.CreateAsync();
        await DemoBacklog.SeedAsync(bed.Url);
        var before = await bed.AllStatesAsync();
        await using var host = await bed.StartHostAsync(o =>
        {
            o.Kind = "demo";
            o.DemoExecutorPath = TestBed.DemoExecutorDll;
            o.DemoTimeScale = 0;
        });

        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput
        {
            Options = new DrainOptions { BatchSize = 12, PhaseTimeoutSeconds = 3 },
            GraceSeconds = 1,
            PhasesPerGeneration = 5,
        }, TimeSpan.FromSeconds(150));

        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.NotNull(session.CompletedAt);
        Assert.Equal(output.TotalProcessed, session.Results.Count);
        Assert.InRange(session.Results.Count, 1, 12);
        Assert.Equal(session.Results.Count(r => r.Success), session.State.TotalSuccess);
        Assert.Equal(session.Results.Count(r => !r.Success), session.State.TotalFailed);
        Assert.Equal(session.Results.Count(r => r.IsTimeout), session.State.TotalTimeouts);
        Assert.Equal(session.Results.Sum(r => r.TelemetryEventsCollected ?? 0), session.State.TotalTelemetryEvents);
        Assert.Equal(
            session.Results.Where(r => r.FailureFingerprint is not null).GroupBy(r => r.FailureFingerprint!).ToDictionary(g => g.Key, g => g.Count()),
            session.State.FingerprintCounts.ToDictionary(kv => kv.Key, kv => kv.Value));

        var after = await bed.AllStatesAsync();
        foreach (var result in session.Results)
        {
            var state = after[result.Key];
            Assert.StartsWith(before[result.Key].Split('|')[0], "FAILED", StringComparison.Ordinal);
            switch (result.FinalState)
            {
                case "COMPLETE":
                    Assert.StartsWith("COMPLETE|", state, StringComparison.Ordinal);
                    break;
                case "TIMEOUT":
                    Assert.Equal("FAILED|Phase execution timed out after 3 seconds (batch drain)", state);
                    break;
                default:
                    Assert.Equal("FAILED", result.FinalState);
                    Assert.Equal("FAILED|" + result.ErrorMessage!.Replace(" [RETRYABLE: token budget escalation needed]", string.Empty, StringComparison.Ordinal), state);
                    break;
            }
        }

        // Nothing is left QUEUED or EXECUTING by the drain (the seed's own in-flight phases aside).
        var leftInFlight = after.Where(kv => kv.Value.StartsWith("QUEUED", StringComparison.Ordinal) || kv.Value.StartsWith("EXECUTING", StringComparison.Ordinal)).Select(kv => kv.Key);
        var seededInFlight = before.Where(kv => kv.Value.StartsWith("QUEUED", StringComparison.Ordinal) || kv.Value.StartsWith("EXECUTING", StringComparison.Ordinal)).Select(kv => kv.Key);
        Assert.Equal(seededInFlight.Order(), leftInFlight.Order());
        Assert.NotNull(await bed.ReadBlobAsync(BlobSessionStore.SummaryBlobName(output.SessionId)));
    }
}
