using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

[Collection(DurableSerialGroup.Name)]
public sealed class DrainOrchestratorTests
{
    private static DrainOrchestrationInput Input(DrainOptions options, int perGeneration = 25, int grace = 1) => new()
    {
        Options = options,
        PhasesPerGeneration = perGeneration,
        GraceSeconds = grace,
    };

    [Fact]
    public async Task Drain_SmallBacklog_SessionJsonHasTotalsFingerprintsAndStoppedRuns()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-a", "fail-1", 1, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-a", "fail-2", 2, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-a", "fail-3", 3, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await bed.AddPhaseAsync("run-b", "done", 1, state: "COMPLETE");
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 30, MaxFingerprintRepeats = 2 }));

        // ok-1 and ok-2 (unknown category, index 0) first, then run-a's import failures; after two
        // identical fingerprints run-a is deprioritized, so fail-3 is skipped and the backlog ends.
        Assert.Equal("NoEligiblePhases", output.Stop);
        Assert.Equal(4, output.TotalProcessed);
        Assert.Equal(2, output.TotalSuccess);
        Assert.Equal(2, output.TotalFailed);
        Assert.Equal(["run-a"], output.StoppedRuns);

        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.NotNull(session.CompletedAt);
        Assert.Equal(4, session.State.TotalProcessed);
        Assert.Equal(4, session.Results.Count);
        Assert.Equal(["run-a:ok-1", "run-b:ok-2", "run-a:fail-1", "run-a:fail-2"], session.Results.Select(r => r.Key));
        Assert.Equal(4, session.State.TotalTelemetryEvents);
        var fingerprint = Assert.Single(session.State.FingerprintCounts);
        Assert.Equal(2, fingerprint.Value);
        Assert.StartsWith("FAILED|rc1|importerror at line num: cannot import module from path:num", fingerprint.Key, StringComparison.Ordinal);
        Assert.Equal(["run-a"], session.State.StoppedRuns);
        // Attempt ids come from what the drain knew at the pick, never from the episode's clock.
        Assert.Equal(session.Results.Select((r, i) => AttemptIds.For(metadata.InstanceId, output.SessionId, i, r.Key)), session.Results.Select(r => r.AttemptId));
        Assert.Equal($"{output.SessionId}/logs/run-a__fail-1.stdout.txt", session.Results[2].SubprocessStdoutPath);
        Assert.Contains("running fail-1", await bed.ReadBlobAsync(session.Results[2].SubprocessStdoutPath!), StringComparison.Ordinal);
        Assert.Contains("[demo] phase FAILED", await bed.ReadBlobAsync(session.Results[2].SubprocessStderrPath!), StringComparison.Ordinal);

        var summary = await bed.ReadBlobAsync(BlobSessionStore.SummaryBlobName(output.SessionId));
        Assert.Contains("BATCH DRAIN SUMMARY", summary, StringComparison.Ordinal);

        var states = await bed.AllStatesAsync();
        Assert.StartsWith("COMPLETE", states["run-a:ok-1"], StringComparison.Ordinal);
        Assert.StartsWith("FAILED|ImportError at line 12", states["run-a:fail-1"], StringComparison.Ordinal);
        Assert.StartsWith("FAILED|ImportError: old", states["run-a:fail-3"], StringComparison.Ordinal);

        // The watcher's view: numbered lines, in order, ending with the skip and no-eligible lines.
        var status = metadata.ReadCustomStatusAs<DrainStatus>()!;
        Assert.Equal("NoEligiblePhases", status.Stop);
        Assert.Equal(Enumerable.Range(0, status.Lines.Count).Select(i => status.Lines[0].Seq + i), status.Lines.Select(l => l.Seq));
        Assert.Contains(status.Lines, l => l.Text == "  [SKIP] run-a/fail-3: run run-a deprioritized (too many repeat failures)");
        Assert.Equal(SelectionOutcome.AllSkippedLine, status.Lines[^1].Text);
        Assert.Contains(status.Lines, l => l.Text == "    [STOP] Fingerprint repeated 2x - deprioritizing run run-a");
    }

    [Fact]
    public async Task Drain_StartedByTheService_SchedulesOnlyTheExecutorsInEveryGeneration()
    {
        // The starter makes the first save; each executor call records its attempt and makes the save
        // after it, which selects the next phase (the next generation's first too), and the save
        // after which the drain ends finishes the session and lets the lock go: one activity a
        // phase, nothing else. Seen in the latest generation's history of four drains: two phases
        // (one generation); a generation and two phases more (batch full); the last phase, then
        // nothing left; nothing at all to pick.
        await using var bed = await TestBed.CreateAsync();
        var perGeneration = DrainOrchestrationInput.DefaultPhasesPerGeneration;
        for (var i = 0; i < perGeneration + 5; i++)
        {
            await bed.AddPhaseAsync($"run-{i:D2}", $"ok-{i}", 0);
        }

        var hub = "t" + Guid.NewGuid().ToString("N")[..16];
        await using var host = await bed.StartLocalHostAsync(taskHub: hub);
        var locks = host.Services.GetRequiredService<DrainLockStore>();
        var drains = ServiceOn(host);
        foreach (var (batch, drained, stop, generations) in new[] { (2, 2, "BatchComplete", 1), (perGeneration + 2, perGeneration + 2, "BatchComplete", 2), (5, 1, "BacklogEmpty", 1), (5, 0, "BacklogEmpty", 1) })
        {
            var started = await drains.StartAsync(new DrainOptions { BatchSize = batch, PhaseTimeoutSeconds = 60 });
            var (output, _) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

            Assert.Equal(stop, output.Stop);
            Assert.Equal(drained, output.TotalSuccess);
            Assert.Equal(generations, output.Generations);
            var scheduled = await TestBed.ScheduledActivitiesAsync(hub, started.InstanceId!);
            Assert.Equal(Enumerable.Repeat(nameof(RunPhaseExecutor), Math.Min(2, drained)), scheduled);

            // Quick phases share the generation's phase timer: one timer, not one a phase.
            Assert.Equal(Math.Min(1, drained), (await TestBed.CreatedTimersAsync(hub, started.InstanceId!)).Count);
            var session = await bed.ReadSessionAsync(output.SessionId);
            Assert.NotNull(session.CompletedAt);
            Assert.Equal(drained, session.Results.Count);
            Assert.Contains("BATCH DRAIN SUMMARY", await bed.ReadBlobAsync(BlobSessionStore.SummaryBlobName(output.SessionId)), StringComparison.Ordinal);
            Assert.Null(await locks.ReadAsync());
        }
    }

    [Fact]
    public async Task Drain_StartedByTheService_TheSaveThatFinishesItWakesTheWatcherWithItsSession()
    {
        // The drain command watches through the service: the save that finished the session, in its
        // process, wakes it and tells it that the orchestration completes next.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await using var host = await bed.StartLocalHostAsync();
        var finished = host.Services.GetRequiredService<FinishedSessionSignal>();
        var drains = ServiceOn(host, finished: finished);
        var woken = drains.FinishedSessions!.Next;

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 60 });
        var (output, _) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

        Assert.Equal("BatchComplete", output.Stop);
        Assert.True(woken.IsCompletedSuccessfully);
        Assert.Equal(output.SessionId, finished.Last);
        Assert.NotNull((await bed.ReadSessionAsync(output.SessionId)).CompletedAt);
    }

    [Fact]
    public async Task Drain_FirstAttemptStartedByTheStarter_TheOrchestrationTakesItOverAndItRunsOnce()
    {
        // The starter starts the first phase's attempt right after scheduling; the orchestration's
        // executor call for that attempt takes the run over instead of starting or adopting one.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        var hub = "t" + Guid.NewGuid().ToString("N")[..16];
        await using var host = await bed.StartLocalHostAsync(taskHub: hub);
        var attempts = host.Services.GetRequiredService<AttemptRegistry>();
        var drains = ServiceOn(host, firstAttempt: new FirstAttemptStarter(host.Services));

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 60 });
        var (output, metadata) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

        Assert.Equal(2, output.TotalSuccess);

        // The first by the starter, the second by the first's executor call.
        Assert.Equal(2, attempts.PrestartsClaimed);
        var first = metadata.ReadInputAs<DrainOrchestrationInput>()?.FirstAttempt;
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(first?.AttemptId, session.Results[0].AttemptId);
        Assert.Equal(["ok-1", "ok-2"], session.Results.Select(r => r.PhaseId));
        Assert.All(session.Results, r => Assert.Null(r.InterruptedBy));
        Assert.Equal(2, session.Results.Select(r => r.AttemptId).Distinct().Count());

        // Run once: its log holds one run of the executor.
        var log = await bed.ReadBlobAsync(session.Results[0].SubprocessStdoutPath!);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(log!, "^\\[demo\\] draining run-a/ok-1:", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Equal([nameof(RunPhaseExecutor), nameof(RunPhaseExecutor)], await TestBed.ScheduledActivitiesAsync(hub, started.InstanceId!));
    }

    [Fact]
    public async Task Drain_ExecutorCallsStartTheNextAttempt_TheOrchestrationTakesEachOverAndEveryPhaseRunsOnce()
    {
        // On the local host each executor call that records its attempt starts the next one, of the
        // phase its save selected; the orchestration's call for that attempt takes the run over.
        await using var bed = await TestBed.CreateAsync();
        string[] phases = ["ok-1", "ok-2", "ok-3", "ok-4"];
        foreach (var (phase, i) in phases.Select((p, i) => (p, i)))
        {
            await bed.AddPhaseAsync($"run-{i}", phase, 0);
        }

        var hub = "t" + Guid.NewGuid().ToString("N")[..16];
        await using var host = await bed.StartLocalHostAsync(taskHub: hub);
        var attempts = host.Services.GetRequiredService<AttemptRegistry>();
        var drains = ServiceOn(host, firstAttempt: new FirstAttemptStarter(host.Services));

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 4, PhaseTimeoutSeconds = 60 });
        var (output, metadata) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

        Assert.Equal(4, output.TotalSuccess);
        Assert.True(metadata.ReadInputAs<DrainOrchestrationInput>()?.StartNextInCall);
        Assert.Equal(4, attempts.PrestartsClaimed);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(phases, session.Results.Select(r => r.PhaseId));
        Assert.All(session.Results, r => Assert.True(r.Success));
        Assert.Equal(4, session.Results.Select(r => r.AttemptId).Distinct().Count());
        foreach (var result in session.Results)
        {
            var log = await bed.ReadBlobAsync(result.SubprocessStdoutPath!);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(log!, $"^\\[demo\\] draining {result.RunId}/{result.PhaseId}:", System.Text.RegularExpressions.RegexOptions.Multiline));
        }

        Assert.Equal(Enumerable.Repeat(nameof(RunPhaseExecutor), 4), await TestBed.ScheduledActivitiesAsync(hub, started.InstanceId!));
        Assert.All(await bed.AllStatesAsync(), s => Assert.StartsWith("COMPLETE", s.Value, StringComparison.Ordinal));

        // The answers kept in the markers are let go once the orchestration asked for the attempts they started.
        var store = host.Services.GetRequiredService<BlobSessionStore>();
        var kept = new List<string>();
        for (var wait = 0; wait < 50; wait++)
        {
            kept.Clear();
            foreach (var result in session.Results)
            {
                if ((await store.ReadAttemptAsync(output.SessionId, result.AttemptId!))?.Answer is not null)
                {
                    kept.Add(result.PhaseId);
                }
            }

            if (kept.Count == 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Empty(kept);
    }

    [Fact]
    public async Task Drain_FirstAttemptStartedThenACancelAtOnce_RecordsThatPhaseThenStops()
    {
        // A cancel sent as the drain starts reaches the orchestration with its start: the attempt
        // the starter started runs all the same and is recorded, then the drain stops.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await using var host = await bed.StartLocalHostAsync(taskHub: "t" + Guid.NewGuid().ToString("N")[..16]);
        var attempts = host.Services.GetRequiredService<AttemptRegistry>();
        var drains = ServiceOn(host, firstAttempt: new FirstAttemptStarter(host.Services));

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 60 });
        Assert.Equal(DrainStartStatus.Started, started.Status);
        await drains.SendCancelAsync(started.InstanceId!, now: false);
        var (output, metadata) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

        Assert.NotNull(metadata.ReadInputAs<DrainOrchestrationInput>()?.FirstAttempt);
        Assert.Equal(1, attempts.PrestartsClaimed);
        Assert.Equal(1, output.TotalProcessed);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal("ok-1", Assert.Single(session.Results).PhaseId);
        Assert.True(session.Results[0].Success);
        Assert.NotNull(session.CompletedAt);
    }

    [Fact]
    public async Task Drain_APhaseStillRunsWhenTheSharedTimerFires_ItRunsToItsOwnDeadline()
    {
        // The first phase's timer (its deadline + grace) is the generation's; the second phase starts
        // before it fires and waits on it. It fires while the second phase runs, before that phase's
        // own time: the phase goes on to its own deadline (its executor is stopped there, a timeout),
        // and a timer at that phase's own time is created then.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "slow-1", 0);
        await bed.AddPhaseAsync("run-b", "hang-2", 0);
        var hub = "t" + Guid.NewGuid().ToString("N")[..16];
        await using var host = await bed.StartLocalHostAsync(taskHub: hub);

        var (output, metadata) = await TestBed.RunAsync(
            host.Client,
            new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 5 }, GraceSeconds = 1, SharedTimers = true },
            TimeSpan.FromMinutes(2));

        Assert.Equal(1, output.TotalSuccess);
        Assert.Equal(1, output.TotalTimeouts);
        var session = await bed.ReadSessionAsync(output.SessionId);
        var timedOut = session.Results[1];
        Assert.Equal("hang-2", timedOut.PhaseId);
        Assert.True(timedOut.IsTimeout);
        var timers = await TestBed.CreatedTimersAsync(hub, metadata.InstanceId);
        Assert.Equal(2, timers.Count);
        Assert.True(timers[1] > timers[0]);

        // Its executor ran to its own deadline (as its marker has it: the call may start a little
        // after the orchestration set it), which came after the first phase's timer fired.
        var marker = await host.Services.GetRequiredService<BlobSessionStore>().ReadAttemptAsync(output.SessionId, timedOut.AttemptId!);
        Assert.NotNull(marker?.StartedAt);
        Assert.True(timers[0] < marker.Deadline, $"the first phase's timer ({timers[0]:O}) fired after this phase's deadline ({marker.Deadline:O}): nothing was tested");
        var stoppedAt = marker.StartedAt.Value.AddSeconds(timedOut.SubprocessDurationSeconds ?? 0);
        Assert.True(stoppedAt >= marker.Deadline.AddMilliseconds(-250), $"stopped at {stoppedAt:O}, before its deadline {marker.Deadline:O}");
    }

    [Fact]
    public async Task Drain_GracefulCancelWhileAPhaseRuns_TheRecordIsAdoptedAndTheSessionEndsAfterIt()
    {
        // The executor call records its attempt and selects the next phase, assuming no cancel; the
        // orchestration got a graceful cancel meanwhile: it adopts the record (the same result) and
        // stops, finishing the session and letting the lock go itself. One result, one ledger entry,
        // the selected phase never started: the call, which may start it itself, saw the cancel's marker.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "slow-1", 0);
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        var hub = "t" + Guid.NewGuid().ToString("N")[..16];
        await using var host = await bed.StartLocalHostAsync(taskHub: hub);
        var locks = host.Services.GetRequiredService<DrainLockStore>();
        var drains = ServiceOn(host, firstAttempt: new FirstAttemptStarter(host.Services));

        var started = await drains.StartAsync(new DrainOptions { BatchSize = 2, PhaseTimeoutSeconds = 60 });
        await WaitForFileAsync(Path.Combine(bed.PidDirectory, "slow-1.pid"));
        await drains.SendCancelAsync(started.InstanceId!, now: false);
        var (output, _) = await TestBed.CompleteAsync(host.Client, started.InstanceId!, TimeSpan.FromMinutes(3));

        Assert.Equal("Cancelled", output.Stop);
        Assert.Equal(1, output.TotalSuccess);
        Assert.Equal([nameof(RunPhaseExecutor), nameof(FinishSession), nameof(ReleaseDrainLock)], await TestBed.ScheduledActivitiesAsync(hub, started.InstanceId!));
        var session = await bed.ReadSessionAsync(output.SessionId);
        var result = Assert.Single(session.Results);
        Assert.Equal("slow-1", result.PhaseId);
        Assert.True(result.Success);
        Assert.NotNull(session.CompletedAt);
        Assert.Equal(1, session.State.TotalProcessed);
        Assert.StartsWith("FAILED", (await bed.AllStatesAsync())["run-b:ok-2"], StringComparison.Ordinal);
        Assert.Null(bed.PidOf("ok-2"));
        var (ledger, _) = await host.Services.GetRequiredService<Ledger.BlobLedgerStore>().ReadAsync();
        Assert.Single(ledger.Attempts, a => a.AttemptId == result.AttemptId);
        Assert.Null(await locks.ReadAsync());
    }

    /// <summary>The drain service as the command line and the HTTP API build it on a local host: the starter makes the first save.</summary>
    private static DrainService ServiceOn(LocalHost.LocalDurableHost host, FinishedSessionSignal? finished = null, FirstAttemptStarter? firstAttempt = null) =>
        new(host.Client, host.Services.GetRequiredService<BlobSessionStore>(), host.Services.GetRequiredService<DrainLockStore>(),
            firstSave: ActivatorUtilities.CreateInstance<SaveSessionSnapshot>(host.Services), finished: finished, firstAttempt: firstAttempt);

    private static async Task WaitForFileAsync(string path)
    {
        for (var i = 0; i < 600 && !File.Exists(path); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(path), $"{path} never appeared");
    }

    [Fact]
    public async Task Drain_MoreProcessedKeysThanTravelInline_NeverPicksAPhaseTwice()
    {
        // Past MaxInlineProcessedKeys a save reads the processed keys back from the session it wrote.
        // Every phase fails and stays FAILED, so a key missing there would be picked again.
        await using var bed = await TestBed.CreateAsync();
        var phases = SelectNextPhaseInput.MaxInlineProcessedKeys + 6;
        for (var i = 0; i < phases; i++)
        {
            await bed.AddPhaseAsync($"run-{i:D3}", $"fail-{i}", 0, reason: "ImportError: old");
        }

        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(
            host,
            Input(new DrainOptions { BatchSize = phases + 10, PhaseTimeoutSeconds = 30, MaxFingerprintRepeats = 1000, LedgerEnabled = false }, perGeneration: 1000),
            TimeSpan.FromMinutes(4));

        // Every FAILED phase is processed: nothing is left to select.
        Assert.Equal("BacklogEmpty", output.Stop);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(phases, session.Results.Count);
        Assert.Equal(phases, session.Results.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.All(session.Results, r => Assert.False(r.Success));
    }

    [Fact]
    public async Task Drain_HostileRunIds_EachLogInItsSessionFolderAndItsOwnBlob()
    {
        await using var bed = await TestBed.CreateAsync();
        var huge = "huge-" + new string('x', 10 * 1024);
        await bed.AddPhaseAsync("../../escaped", "fail-e", 0);
        await bed.AddPhaseAsync("x__fail-1", "fail-2", 1);
        await bed.AddPhaseAsync("x", "fail-1__fail-2", 2);
        await bed.AddPhaseAsync(huge, "fail-h", 3);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 4, PhaseTimeoutSeconds = 60 }));

        Assert.Equal(4, output.TotalProcessed);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.All(session.Results, r => Assert.Null(r.InterruptedBy));
        foreach (var result in session.Results)
        {
            // Each result's path names its own blob, which holds that phase's output, inside the session's folder.
            Assert.StartsWith($"{output.SessionId}/logs/", result.SubprocessStdoutPath, StringComparison.Ordinal);
            Assert.DoesNotContain('/', result.SubprocessStdoutPath![$"{output.SessionId}/logs/".Length..]);
            Assert.True(result.SubprocessStdoutPath.Length <= 1024);
            Assert.StartsWith($"running {result.PhaseId}\n[demo] draining {result.RunId}/{result.PhaseId}:", await bed.ReadBlobAsync(result.SubprocessStdoutPath), StringComparison.Ordinal);
        }

        Assert.Equal(4, session.Results.Select(r => r.SubprocessStdoutPath).Distinct().Count());
        Assert.Equal($"{output.SessionId}/logs/..%2F..%2Fescaped__fail-e.stdout.txt", session.Results.Single(r => r.PhaseId == "fail-e").SubprocessStdoutPath);
        Assert.All(await bed.ListBlobsAsync(), name => Assert.True(
            name.StartsWith(output.SessionId, StringComparison.Ordinal) || name.StartsWith(Ledger.BlobLedgerStore.PrefixOf(bed.Url.Backlog), StringComparison.Ordinal),
            $"blob {name} is outside the session's folder and the ledger"));
    }

    [Fact]
    public async Task Drain_EmptyBacklog_StopsWithNoMoreFailedPhases()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "done", 0, state: "COMPLETE");
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 5 }));

        Assert.Equal("BacklogEmpty", output.Stop);
        Assert.Equal(0, output.TotalProcessed);
        Assert.Equal(SelectionOutcome.BacklogEmptyLine, metadata.ReadCustomStatusAs<DrainStatus>()!.Lines[^1].Text);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Empty(session.Results);
        Assert.NotNull(session.CompletedAt);
    }

    [Fact]
    public async Task Drain_BatchSizeReached_StopsAfterBatch()
    {
        await using var bed = await TestBed.CreateAsync();
        for (var i = 0; i < 4; i++)
        {
            await bed.AddPhaseAsync("run-a", $"ok-{i}", i);
        }

        await using var host = await bed.StartHostAsync();
        var (output, _) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 2 }));

        Assert.Equal("BatchComplete", output.Stop);
        Assert.Equal(2, output.TotalProcessed);
        Assert.Equal("FAILED|", (await bed.AllStatesAsync())["run-a:ok-2"]);
    }

    [Fact]
    public async Task Drain_ZeroYieldLimit_StopsAfterStreak()
    {
        await using var bed = await TestBed.CreateAsync();
        for (var i = 0; i < 4; i++)
        {
            await bed.AddPhaseAsync("run-a", $"zero-{i}", i);
        }

        await using var host = await bed.StartHostAsync();
        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 10, MaxConsecutiveZeroYield = 2 }));

        Assert.Equal("ZeroYieldLimit", output.Stop);
        Assert.Equal(2, output.TotalProcessed);
        Assert.Contains(metadata.ReadCustomStatusAs<DrainStatus>()!.Lines, l => l.Text.Contains("    [STOP] 2 consecutive phases with 0 telemetry (limit: 2)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_SkipRunsInFlightAllCandidatesInFlightRuns_StopsWithNoEligiblePhases()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-a", "busy", 1, state: "EXECUTING");
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 3, SkipRunsInFlight = true }));

        Assert.Equal("NoEligiblePhases", output.Stop);
        var lines = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text).ToList();
        Assert.Contains("  [SKIP] run-a/ok-1: run run-a has a phase in flight (EXECUTING)", lines);
    }

    [Fact]
    public async Task Drain_DryRun_ReportsPicksInOrderAndChangesNothing()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "fail-1", 1, reason: "ImportError: x");
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-b", "hang-1", 0, reason: "Builder timed out after 900s");
        var before = await bed.AllStatesAsync();
        await using var host = await bed.StartHostAsync();

        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 10, DryRun = true }, perGeneration: 2));

        Assert.Equal(["run-a:ok-1", "run-a:fail-1", "run-b:hang-1"], output.DryRunPicks);
        Assert.Equal("BacklogEmpty", output.Stop);
        Assert.Null(output.SessionBlob);
        Assert.Equal(0, output.TotalProcessed);
        Assert.Equal(before, await bed.AllStatesAsync());
        Assert.Empty(await bed.ListBlobsAsync());
        Assert.Empty(Directory.GetFiles(bed.PidDirectory));
        var lines = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Text).ToList();
        Assert.Contains("  [DRY RUN] Would drain: run-b / hang-1", lines);
        Assert.Contains("Mode: DRY RUN (no changes will be made)", lines);
        Assert.Equal(2, output.Generations);
    }

    [Fact]
    public async Task Drain_LongSession_ContinuesAsNewAndKeepsOneSession()
    {
        await using var bed = await TestBed.CreateAsync();
        for (var i = 0; i < 7; i++)
        {
            await bed.AddPhaseAsync($"run-{i % 3}", $"noop-{i}", i);
        }

        await using var host = await bed.StartHostAsync(o => o.SettleTimeout = TimeSpan.Zero);
        var (output, metadata) = await TestBed.RunAsync(host, Input(new DrainOptions { BatchSize = 7, MaxFingerprintRepeats = 100 }, perGeneration: 3));

        Assert.Equal("BatchComplete", output.Stop);
        Assert.Equal(3, output.Generations);
        Assert.Equal(7, output.TotalProcessed);
        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(7, session.Results.Count);
        Assert.Equal(7, session.Results.Select(r => r.Key).Distinct().Count());
        Assert.All(session.Results, r => Assert.Equal("QUEUED", r.FinalState));

        // Exit 0 without settling: the phase is put back to FAILED instead of blocking its run.
        Assert.All((await bed.AllStatesAsync()).Values, s => Assert.StartsWith("FAILED", s, StringComparison.Ordinal));
        var seqs = metadata.ReadCustomStatusAs<DrainStatus>()!.Lines.Select(l => l.Seq).ToList();
        Assert.Equal(seqs.OrderBy(s => s), seqs);
        Assert.Equal(seqs.Distinct().Count(), seqs.Count);
    }
}

[Collection(DurableSerialGroup.Name)]
public sealed class DrainOrchestratorOptionTests
{
    [Fact]
    public async Task Drain_InvalidOptions_EndsWithoutTouchingAnything()
    {
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = new DrainOptions { BatchSize = 0 } });

        Assert.Equal("InvalidOptions", output.Stop);
        Assert.Contains("--batch-size must be an integer >= 1 (got 0)", output.StopLine, StringComparison.Ordinal);
        Assert.Null(output.SessionBlob);
        Assert.Empty(await bed.ListBlobsAsync());
        Assert.Equal("FAILED", await bed.StateOfAsync("run-a", "ok-1"));
    }
}
