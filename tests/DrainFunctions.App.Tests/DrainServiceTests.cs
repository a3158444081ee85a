using System.Diagnostics;
using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App.Tests;

/// <summary>
/// The drain service every entry point calls (issue 12): what counts as a running drain (previews
/// do not, Suspended does), one drain per database, status and logs; on the real engine, Azurite
/// and a SQLite file.
/// </summary>
[Collection(SerialGroup.Name)]
public sealed class DrainServiceTests
{
    /// <summary>A stored incomplete session, as a drain whose host died leaves it.</summary>
    private static async Task<DrainSession> IncompleteSessionAsync(AppBed bed)
    {
        var session = new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 2 };
        Assert.True(await bed.Sessions.TryReserveAsync(session));
        return session;
    }

    private static async Task WaitForStatusAsync(AppBed bed, string instanceId, OrchestrationRuntimeStatus status)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while ((await bed.Client.GetInstanceAsync(instanceId))?.RuntimeStatus != status)
        {
            Assert.True(DateTime.UtcNow < until, $"{instanceId} did not become {status}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ChooseResumeAsync_PreviewLive_ResumesTheSessionNotThePreview()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.Drains;
        var saved = await IncompleteSessionAsync(bed);
        var preview = await drains.StartPreviewAsync(new DrainOptions { BatchSize = 50 });
        await bed.Client.SuspendInstanceAsync(preview, "held live for the test");
        await WaitForStatusAsync(bed, preview, OrchestrationRuntimeStatus.Suspended);

        var live = await drains.FindLiveDrainAsync();
        var choice = await drains.ChooseResumeAsync(null);
        var started = await drains.StartAsync(new DrainOptions { BatchSize = 1 });

        Assert.Null(live);
        Assert.Null(choice.Running);
        Assert.Equal(saved.SessionId, choice.Session?.SessionId);
        Assert.Equal(DrainStartStatus.Started, started.Status);
        await bed.WaitAsync(started.InstanceId!);
        await bed.Client.TerminateInstanceAsync(preview);
    }

    [Fact]
    public async Task FindLiveDrainAsync_SuspendedDrain_CountsAsRunningAndBlocksStartsAndResumes()
    {
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var drains = bed.Drains;
        var first = await drains.StartAsync(new DrainOptions { BatchSize = 3, PhaseTimeoutSeconds = 120 });
        Assert.Equal(DrainStartStatus.Started, first.Status);
        await bed.WaitForPhaseAsync(first.InstanceId!);
        await bed.Client.SuspendInstanceAsync(first.InstanceId!, "paused by an operator");
        await WaitForStatusAsync(bed, first.InstanceId!, OrchestrationRuntimeStatus.Suspended);

        var live = await drains.FindLiveDrainAsync();
        var second = await drains.StartAsync(new DrainOptions { BatchSize = 1 });
        var resume = await drains.ChooseResumeAsync(null);
        var timer = await bed.Timer.TickAsync();
        var http = await bed.Api.StartAsync("{}");

        Assert.Equal(first.InstanceId, live?.InstanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, live?.Status);
        Assert.Equal(DrainStartStatus.AlreadyRunning, second.Status);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal(first.InstanceId, resume.Running?.InstanceId);
        Assert.Equal(TickOutcome.SkippedManualRunning, timer.Outcome);
        Assert.Equal(409, http.Status);
        Assert.Equal("suspended", (await drains.StatusAsync(first.SessionId!))?.State);

        await bed.Client.ResumeInstanceAsync(first.InstanceId!);
        Assert.Equal(DrainCancelStatus.Sent, (await drains.CancelAsync(first.SessionId!, now: true)).Status);
        await bed.WaitAsync(first.InstanceId!);
        var ended = await drains.StatusAsync(first.SessionId!);
        Assert.Equal("cancelled", ended?.State);
        Assert.Equal(DrainCancelStatus.NotRunning, (await drains.CancelAsync(first.SessionId!, now: false)).Status);
    }

    [Fact]
    public async Task StartAsync_LiveDrainWithoutItsLock_AlreadyRunningAndLeavesTheLockFree()
    {
        // A live drain whose lock is gone (its hold ran out) still answers AlreadyRunning, and the
        // refused start leaves no lock behind (a start that asks for the lock before it looks for a
        // live drain must let it go).
        await using var bed = await AppBed.StartAsync();
        bed.Hang(true);
        var drains = bed.Drains;
        var first = await drains.StartAsync(new DrainOptions { BatchSize = 3, PhaseTimeoutSeconds = 120 });
        await bed.WaitForPhaseAsync(first.InstanceId!);
        var token = (await bed.Client.GetInstanceAsync(first.InstanceId!, getInputsAndOutputs: true))!.ReadInputAs<DrainOrchestrationInput>()!.LockToken!;
        Assert.True(await bed.Locks.ReleaseAsync(token));

        var second = await drains.StartAsync(new DrainOptions { BatchSize = 1 });

        Assert.Equal(DrainStartStatus.AlreadyRunning, second.Status);
        Assert.Equal(first.InstanceId, second.InstanceId);

        // The session the refused start claimed while the check ran is given back.
        Assert.Equal([first.SessionId], (await bed.Sessions.ListSessionsAsync()).Select(s => s.SessionId));
        Assert.Equal(DrainCancelStatus.Sent, (await drains.CancelAsync(first.SessionId!, now: true)).Status);
        await bed.WaitAsync(first.InstanceId!);

        // Read once the first drain has ended (its end lets go only a lock of its own): a lock the
        // refused start took and kept would still be there.
        Assert.Null(await bed.Locks.ReadAsync());
    }

    [Fact]
    public async Task StatusAsync_UnknownSession_IsNullAndCancelNotFound()
    {
        await using var bed = await AppBed.StartAsync();

        Assert.Null(await bed.Drains.StatusAsync("batch-drain-20200101-000000"));
        Assert.Equal(DrainCancelStatus.NotFound, (await bed.Drains.CancelAsync("batch-drain-20200101-000000", now: false)).Status);
        Assert.Equal(DrainStartStatus.NotFound, (await bed.Drains.ChooseResumeAsync("batch-drain-20200101-000000")).Status);
    }

    [Fact]
    public async Task ReadLogAsync_FromOffsets_ReturnsOnlyWhatCameAfter()
    {
        await using var bed = await AppBed.StartAsync(demo: false);
        await bed.AddPhaseAsync("det-run", "p1", 0);
        var drains = bed.Drains;
        var started = await drains.StartAsync(new DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 60 });
        await bed.WaitAsync(started.InstanceId!);

        var whole = await drains.ReadLogAsync(started.SessionId!, "det-run", "p1");
        var rest = await drains.ReadLogAsync(started.SessionId!, "det-run", "p1", whole!.StdoutNext, whole.StderrNext);
        var unknown = await drains.ReadLogAsync(started.SessionId!, "det-run", "p9");

        Assert.StartsWith("failing p1\n[demo] draining det-run/p1", whole.Stdout, StringComparison.Ordinal);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(whole.Stdout), whole.StdoutNext);
        Assert.False(whole.Running);
        Assert.Equal(string.Empty, rest!.Stdout);
        Assert.Equal(whole.StdoutNext, rest.StdoutNext);
        Assert.Null(unknown);
        Assert.Equal("completed", (await drains.StatusAsync(started.SessionId!))?.State);
    }

    [Fact]
    public async Task FollowLogsAsync_OffsetsAndUnknownPhase_AnswersLikeTheOtherRoutes()
    {
        await using var bed = await AppBed.StartAsync(demo: false);
        await bed.AddPhaseAsync("det-run", "p1", 0);
        var started = await bed.Drains.StartAsync(new DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 60 });
        await bed.WaitAsync(started.InstanceId!);

        var from8 = await bed.Api.FollowLogsAsync(started.SessionId!, "det-run", "p1", "8", null);
        var bad = await bed.Api.FollowLogsAsync(started.SessionId!, "det-run", "p1", "-1", "x");
        var unknown = await bed.Api.FollowLogsAsync(started.SessionId!, "det-run", "p9", null, null);
        var whole = await bed.Api.LogsAsync(started.SessionId!, "det-run", "p1");

        Assert.Equal(200, from8.Status);
        var body = JsonDocument.Parse(from8.Body).RootElement;
        var wholeText = JsonDocument.Parse(whole.Body).RootElement.GetProperty("stdout").GetString()!;
        Assert.Equal(wholeText[8..], body.GetProperty("stdout").GetString());
        Assert.Equal(wholeText.Length, body.GetProperty("stdoutNext").GetInt64());
        Assert.False(body.GetProperty("running").GetBoolean());
        Assert.Equal(400, bad.Status);
        var errors = JsonDocument.Parse(bad.Body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("stdoutFrom", out _) && errors.TryGetProperty("stderrFrom", out _), bad.Body);
        Assert.Equal(404, unknown.Status);
        Assert.StartsWith("failing p1\n", wholeText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NewSession_StarterMakesTheFirstSaveAndTheDrainStartsWithItsPick()
    {
        await using var bed = await AppBed.StartAsync();
        var saves = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DrainTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = span =>
            {
                if (span.OperationName == DrainTelemetry.Spans.Save && span.GetTagItem(DrainTelemetry.Attributes.SessionId) is string id)
                {
                    saves.Add(id);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        var started = await bed.Drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 120 });
        var done = await bed.WaitAsync(started.InstanceId!);

        // The first save and one a result: the orchestration did not save again before its first phase.
        Assert.Equal(3, saves.Count(id => id == started.SessionId));
        var first = done.ReadInputAs<DrainOrchestrationInput>()!.FirstSave;
        Assert.NotNull(first);
        var renewal = first.Lock;
        Assert.NotNull(renewal);
        Assert.True(renewal.Held);
        Assert.True(renewal.ExpiresAt > DateTimeOffset.UtcNow + DrainLease.StartHold, "the first save renews the lock for a phase, not for the start");
        var pick = first.Selection?.Selected;
        Assert.NotNull(pick);
        var session = await bed.Sessions.LoadAsync(started.SessionId!);
        Assert.Equal([pick.Key], session!.Results.Take(1).Select(r => r.Key));
        Assert.Equal(2, session.Results.Count);
        Assert.Equal(2, done.ReadOutputAs<DrainSummaryOutput>()!.TotalProcessed);
        Assert.Null(await bed.Locks.ReadAsync());
    }

    [Fact]
    public async Task StartAsync_StarterCannotReadTheBacklog_OrchestrationMakesTheFirstSaveAndDrains()
    {
        await using var bed = await AppBed.StartAsync();
        var drains = bed.DrainsAt(TimeProvider.System, Data.DatabaseUrl.Parse("sqlite:///" + Path.Combine(bed.Directory, "elsewhere.db")));

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 120 });
        var done = await bed.WaitAsync(started.InstanceId!);

        Assert.Equal(DrainStartStatus.Started, started.Status);
        Assert.Null(done.ReadInputAs<DrainOrchestrationInput>()!.FirstSave);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(2, done.ReadOutputAs<DrainSummaryOutput>()!.TotalProcessed);
        Assert.Equal(2, (await bed.Sessions.LoadAsync(started.SessionId!))!.Results.Count);
        Assert.Null(await bed.Locks.ReadAsync());
    }
}
