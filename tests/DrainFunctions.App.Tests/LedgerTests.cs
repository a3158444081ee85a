using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

[Collection(SerialGroup.Name)]
public sealed class LedgerTests
{
    [Fact]
    public async Task RecordAsync_TwoConcurrentWriters_LoseNothing()
    {
        await using var bed = await AppBed.StartAsync(demo: false);
        var other = new BlobLedgerStore(new Azure.Storage.Blobs.BlobServiceClient(AppBed.Azurite),
            Microsoft.Extensions.Options.Options.Create(new Durable.Hosting.SnapshotOptions { ContainerName = bed.ContainerName, Backlog = bed.Backlog }));
        async Task Write(BlobLedgerStore store, string who)
        {
            for (var i = 0; i < 15; i++)
            {
                await store.RecordAsync(new LedgerRecord(new LedgerAttempt
                {
                    RunId = "run-shared", PhaseId = who + i, At = DateTimeOffset.UtcNow, SessionId = "s-" + who, AttemptId = $"{who}-{i}",
                }));
            }
        }

        await Task.WhenAll(Task.Run(() => Write(bed.Ledger, "a")), Task.Run(() => Write(other, "b")));
        var (doc, _) = await bed.Ledger.ReadAsync();
        Assert.Equal(30, doc.Attempts.Count);
        Assert.Equal(30, doc.Attempts.Select(a => a.AttemptId).Distinct().Count());
    }

    [Fact]
    public async Task RecordAsync_AnotherWriterSinceTheLastListing_KeepsBothEntries()
    {
        // A store writes from what its last listing and its own writes showed, without a read first;
        // a run blob another store created or changed since makes that write fail, then it reads.
        await using var bed = await AppBed.StartAsync(demo: false);
        var other = new BlobLedgerStore(new Azure.Storage.Blobs.BlobServiceClient(AppBed.Azurite),
            Microsoft.Extensions.Options.Options.Create(new Durable.Hosting.SnapshotOptions { ContainerName = bed.ContainerName, Backlog = bed.Backlog }));
        static LedgerRecord Entry(string attemptId) =>
            new(new LedgerAttempt { RunId = "run-x", PhaseId = "p-" + attemptId, At = DateTimeOffset.UtcNow, SessionId = "s-" + attemptId, AttemptId = attemptId });

        await bed.Ledger.ReadAsync();
        await other.ReadAsync();
        await other.RecordAsync(Entry("b1"));
        await bed.Ledger.RecordAsync(Entry("a1"));
        await other.RecordAsync(Entry("b2"));
        await bed.Ledger.RecordAsync(Entry("a2"));

        var (doc, _) = await bed.Ledger.ReadAsync();
        Assert.Equal(["a1", "a2", "b1", "b2"], doc.Attempts.Select(a => a.AttemptId).Order(StringComparer.Ordinal));
        Assert.True(bed.Ledger.ConflictsRetried >= 2, "each write of this store was made from what it had seen, and met the other's");
        Assert.True(other.ConflictsRetried >= 1);
    }

    [Fact]
    public void LedgerView_EntriesOutsideWindowOrOfOwnSession_AreNotCounted()
    {
        var now = DateTimeOffset.UtcNow;
        var doc = new LedgerDocument
        {
            Attempts =
            [
                new() { RunId = "r", PhaseId = "p", At = now.AddHours(-100), SessionId = "old", Timeout = true },
                new() { RunId = "r", PhaseId = "p", At = now.AddHours(-1), SessionId = "s1", Timeout = true },
                new() { RunId = "r", PhaseId = "p", At = now.AddMinutes(-1), SessionId = "me", Timeout = true },
            ],
        };
        var view = new LedgerView(doc, "me", now, 72, 3);
        Assert.Equal(1, view.AttemptsOf("r:p"));
        Assert.Equal(1, view.TimeoutsOf("r"));
        Assert.False(view.IsRunStopped("r"));
        Assert.Equal(2, new LedgerView(doc, null, now, 200, 3).AttemptsOf("r:p") - 1);
    }

    [Fact]
    public async Task ThreeSessions_DeterministicFailure_ThirdPaysNothing()
    {
        await using var bed = await AppBed.StartAsync(demo: false);
        await bed.AddPhaseAsync("det-run", "p1", 1);
        await bed.AddPhaseAsync("det-run", "p2", 2);
        var outputs = new List<DrainSummaryOutput>();
        for (var i = 0; i < 3; i++)
        {
            var r = await bed.Api.StartAsync("""{"batchSize":5}""");
            Assert.Equal(202, r.Status);
            var id = JsonDocument.Parse(r.Body).RootElement.GetProperty("instanceId").GetString()!;
            var done = await bed.WaitAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            outputs.Add(done.ReadOutputAs<DrainSummaryOutput>()!);
        }

        Assert.Equal(2, outputs[0].TotalFailed);
        Assert.True(outputs[1].TotalProcessed >= 1, "the second session may try the failure once more");
        Assert.Equal(0, outputs[2].TotalProcessed);
        Assert.Equal("NoEligiblePhases", outputs[2].Stop);

        var third = await bed.Api.GetAsync(outputs[2].SessionId);
        var lines = JsonDocument.Parse(third.Body).RootElement.GetProperty("progress").GetProperty("lines").EnumerateArray()
            .Select(l => l.GetProperty("text").GetString()).ToList();
        Assert.Contains(lines, l => l!.Contains("[SKIP] det-run/", StringComparison.Ordinal) && l.EndsWith("(ledger)", StringComparison.Ordinal));

        var ledger = await bed.Api.LedgerAsync();
        Assert.Equal(200, ledger.Status);
        Assert.Contains("det-run", JsonDocument.Parse(ledger.Body).RootElement.GetProperty("runsSkipped").EnumerateArray().Select(e => e.GetString()));

        // Forgetting the run makes it eligible again.
        Assert.Equal(200, (await bed.Api.ForgetRunAsync("det-run")).Status);
        var preview = await bed.Api.PreviewAsync("{}");
        Assert.Contains("det-run:p1", JsonDocument.Parse(preview.Body).RootElement.GetProperty("picks").EnumerateArray().Select(e => e.GetString()));

        // And with the ledger off for one drain, nothing is skipped from it.
        Assert.Equal(200, (await bed.Api.PreviewAsync("""{"ledgerEnabled":false}""")).Status);
    }
}
