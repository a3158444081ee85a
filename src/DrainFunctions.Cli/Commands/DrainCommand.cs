using System.Text.Json;
using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Data;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain [flags]</c>: a real durable drain on the local host. Prints the banner, the progress
/// lines in order as phases finish (each once), and the summary; exit 0 when no phase failed,
/// 1 otherwise, 130 after Ctrl-C.
/// </summary>
public static class DrainCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The poll once the drain's last phase is done or a stop is decided: the session's finish and the
    /// lock's release take about 100 ms, and the quarter-second poll made every drain exit up to 250 ms
    /// after its orchestration had completed (issue 17).
    /// </summary>
    private static readonly TimeSpan ClosingPollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// How long the watcher keeps asking a durable host that does not answer (storage down: the
    /// orchestration waits too) before it gives up watching; the drain's state stays resumable.
    /// </summary>
    private static readonly TimeSpan MaxUnanswered = TimeSpan.FromMinutes(DrainOrchestrationInput.DefaultOutageToleranceMinutes);

    private static readonly TimeSpan UnansweredNoticeEvery = TimeSpan.FromMinutes(1);

    /// <summary>Runs the parsed and checked <paramref name="invocation"/> (see <see cref="DrainFlagSet"/>).</summary>
    public static async Task<int> RunAsync(DrainInvocation invocation, TextWriter stdout, TextWriter stderr, Interrupts interrupts, double demoTimeScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(interrupts);
        if (invocation.Endpoint is not null)
        {
            return await RemoteDrain.RunAsync(invocation, stdout, stderr, interrupts);
        }

        if (!invocation.Options.DryRun)
        {
            DrainFlags.CheckExecutable(invocation.Executor, invocation.ExecutorCommand, invocation.Workspace);
        }

        // With --json, stdout carries only the final session JSON.
        var progress = invocation.Json ? stderr : stdout;
        if (!DatabaseEnvironment.TryRead(stderr, out var database))
        {
            return 1;
        }

        await using (var admin = await BacklogAdmin.OpenAsync(database))
        {
            var backlog = await admin.DescribeAsync();
            progress.WriteLine(backlog.IdentityLine);
            if (backlog.IsEmpty && !invocation.Options.AllowEmptyDb)
            {
                stderr.WriteLine($"drain: the database {database.Masked} has no runs and no phases; check DATABASE_URL, or pass --allow-empty-db");
                return 1;
            }
        }

        var environment = LocalEnvironment.FromProcess(database.Backlog);
        if (invocation.Options.DryRun && !invocation.Resume)
        {
            return await PreviewAsync(invocation, database, environment, progress, stdout, stderr, interrupts);
        }

        var executor = new LocalDrainHost.ExecutorSettings(invocation.Executor, invocation.ExecutorCommand, invocation.Workspace, invocation.Options.ApiUrl, demoTimeScale, VerifyExecutable: !invocation.Options.DryRun);
        await using var host = await LocalDrainHost.BeginAsync(environment, database, executor, stderr);
        var drains = host.Drains;

        string instanceId;
        if (invocation.Resume)
        {
            await host.Ready;
            var choice = await drains.ChooseResumeAsync(null);
            if (choice.Running is { } attached)
            {
                progress.WriteLine($"Re-attaching to the running drain {attached.InstanceId}");
                instanceId = attached.InstanceId;
            }
            else if (choice.Session is { } saved)
            {
                progress.WriteLine($"Resuming session {saved.SessionId} ({saved.State.TotalProcessed}/{saved.BatchSize} processed)");
                var resumed = await drains.ResumeAsync(saved, invocation.Options with { BatchSize = saved.BatchSize });
                if (resumed is not { Started: true, InstanceId: { } resumedId })
                {
                    return Refused(resumed, environment, stderr);
                }

                instanceId = resumedId;
            }
            else
            {
                stderr.WriteLine("drain: --resume: no incomplete session to resume");
                return 1;
            }
        }
        else
        {
            // One drain at a time per database, as the HTTP API answers 409: a drain whose host was
            // killed is still running in the hub and goes on with --resume. A dry run takes no lock
            // and claims no session.
            // Started while the engine starts: the lock, the session and its first save need only
            // storage, and the calls that need the engine wait for it.
            DrainStart started;
            try
            {
                started = await drains.StartAsync(invocation.Options);
            }
            catch
            {
                // A start that failed for want of the engine: the engine's own failure says why.
                await host.Ready;
                throw;
            }

            await host.Ready;
            if (started is not { Started: true, InstanceId: { } startedId })
            {
                return Refused(started, environment, stderr);
            }

            instanceId = startedId;
        }

        return await WatchToEndAsync(drains, instanceId, progress, stdout, stderr, interrupts, invocation.Json);
    }

    /// <summary>
    /// Follows the drain <paramref name="instanceId"/> to its end as <c>drain</c> shows it: its
    /// progress lines, then its summary (<paramref name="json"/>: and the session JSON on stdout);
    /// exit 0 when no phase failed, 1 otherwise, 130 after Ctrl-C. <paramref name="detachOnInterrupt"/>:
    /// Ctrl-C stops watching and leaves the drain running, instead of cancelling it.
    /// </summary>
    public static async Task<int> WatchToEndAsync(DrainService drains, string instanceId, TextWriter progress, TextWriter stdout, TextWriter stderr, Interrupts interrupts, bool json = false, bool detachOnInterrupt = false)
    {
        ArgumentNullException.ThrowIfNull(drains);
        ArgumentNullException.ThrowIfNull(interrupts);
        var watched = await WatchAsync(drains, instanceId, progress, stderr, interrupts, liveStatus: !Console.IsErrorRedirected && !Console.IsOutputRedirected, detachOnInterrupt: detachOnInterrupt);
        if (watched.Detached)
        {
            stderr.WriteLine($"drain: stopped watching {instanceId}; the drain goes on (drain cancel stops it)");
            return 130;
        }

        if (watched.Output is not { } output)
        {
            stderr.WriteLine($"drain: the drain orchestration ended as {watched.Status}: {watched.Failure}");
            return 1;
        }

        if (!output.DryRun)
        {
            // The session document is the record now: this drain's history leaves the task hub, with
            // that of any other drain that ended unwatched; the summary is read meanwhile.
            var purging = drains.PurgeEndedAsync();
            string? summary;
            try
            {
                summary = await drains.Sessions.ReadTextAsync(BlobSessionStore.SummaryBlobName(output.SessionId));
            }
            finally
            {
                await purging;
            }

            progress.WriteLine();
            progress.Write(summary ?? $"(no summary was written for {output.SessionId})\n");
            if (json && await drains.Sessions.ReadTextAsync(BlobSessionStore.SessionBlobName(output.SessionId)) is { } session)
            {
                stdout.Write(session);
                stdout.WriteLine();
            }
        }
        else if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { session_id = output.SessionId, dry_run = true, picks = output.DryRunPicks }));
        }

        if (interrupts.Count > 0)
        {
            progress.WriteLine(Core.Reporting.ProgressLines.InterruptedLine);
            return 130;
        }

        return output.TotalFailed == 0 ? 0 : 1;
    }

    /// <summary>
    /// <c>drain --dry-run</c>: the picks computed in-process (no durable host is started, nothing is
    /// scheduled or written), printed as they are decided; Ctrl-C stops before the next pick.
    /// </summary>
    private static async Task<int> PreviewAsync(DrainInvocation invocation, DatabaseUrl database, LocalEnvironment environment, TextWriter progress, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        var prioritized = invocation.Options.PrioritizeMode() != Core.Forecasts.PrioritizeMode.Seed;
        var (azurite, previewer) = await LocalDrainHost.OpenPreviewerAsync(environment, database, invocation.Options.LedgerEnabled, stderr, readsHistory: prioritized);
        try
        {
            var preview = await previewer.RunAsync(
                invocation.Options,
                progress.WriteLine,
                () => interrupts.Count switch { 0 => null, 1 => CancelRequest.Graceful, _ => CancelRequest.Now });
            if (invocation.Json && prioritized)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { session_id = preview.Outcome.SessionId, dry_run = true, picks = preview.Outcome.Picks, prioritize = invocation.Options.Prioritize, forecasts = Core.Forecasts.ForecastJson.Of(preview.Outcome.Forecasts) }));
            }
            else if (invocation.Json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { session_id = preview.Outcome.SessionId, dry_run = true, picks = preview.Outcome.Picks }));
            }

            if (interrupts.Count > 0)
            {
                progress.WriteLine(Core.Reporting.ProgressLines.InterruptedLine);
                return 130;
            }

            return 0;
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
        }
    }

    /// <summary>A start or resume refused: another drain runs on the database (here, or elsewhere holding its lock).</summary>
    private static int Refused(DrainStart start, LocalEnvironment environment, TextWriter stderr)
    {
        stderr.WriteLine(start.Running is { } running
            ? $"drain: a drain is already running in task hub {environment.TaskHubName} (instance {running.InstanceId}); re-attach to it with --resume"
            : $"drain: {start.Refusal?.Busy}; a database is drained by one drain at a time");
        return 1;
    }

    public sealed record WatchResult(OrchestrationRuntimeStatus Status, DrainSummaryOutput? Output, string? Failure)
    {
        /// <summary>The watcher stopped on Ctrl-C and left the drain running.</summary>
        public bool Detached { get; init; }
    }

    private static async Task<DrainSession?> TryLoadAsync(Func<string, Task<DrainSession?>> loadSession, string sessionId)
    {
        try
        {
            return await loadSession(sessionId);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or HttpRequestException or SessionFormatException or JsonException)
        {
            return null; // storage still coming back, or a write in progress: look again later
        }
    }

    /// <summary>The drain's totals from its finished session, when the orchestration's own output is not there.</summary>
    private static DrainSummaryOutput FromSession(DrainSession session) => new()
    {
        SessionId = session.SessionId,
        Stop = "Finished",
        TotalProcessed = session.State.TotalProcessed,
        TotalSuccess = session.State.TotalSuccess,
        TotalFailed = session.State.TotalFailed,
        TotalTimeouts = session.State.TotalTimeouts,
        TotalTelemetryEvents = session.State.TotalTelemetryEvents,
        StoppedRuns = [.. session.State.StoppedRuns],
        SessionBlob = BlobSessionStore.SessionBlobName(session.SessionId),
    };

    /// <summary>
    /// Why an orchestration did not complete, never empty: its failure details, else its output
    /// (the Azure Storage backend may keep the message only there), else a plain statement.
    /// </summary>
    public static string FailureText(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.FailureDetails is { } details && !string.IsNullOrWhiteSpace(details.ErrorMessage))
        {
            return details.ErrorMessage;
        }

        if (!string.IsNullOrWhiteSpace(instance.SerializedOutput))
        {
            var output = instance.SerializedOutput.Trim();
            try
            {
                if (JsonSerializer.Deserialize<string>(output) is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (JsonException)
            {
                // not a JSON string: shown as it is
            }

            return output;
        }

        return instance.RuntimeStatus == OrchestrationRuntimeStatus.Terminated
            ? "it was terminated from outside"
            : "no reason was recorded";
    }

    /// <summary>
    /// How long an orchestration may still say Running after its session was finished
    /// (<c>completed_at</c> written, the very last step) before the watcher takes the drain as
    /// ended: after a storage outage of minutes the local host (then served through a gRPC
    /// sidecar) was seen to lose an orchestration's completion while every result was already saved.
    /// </summary>
    private static readonly TimeSpan FinishedButRunning = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan SessionCheckEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Follows the orchestration's custom status and prints each progress line once, in order,
    /// until it ends; turns Ctrl-C into the orchestration's cancel event.
    /// </summary>
    public static async Task<WatchResult> WatchAsync(
        DrainService drains,
        string instanceId,
        TextWriter progress,
        TextWriter stderr,
        Interrupts interrupts,
        bool liveStatus = false,
        bool detachOnInterrupt = false)
    {
        ArgumentNullException.ThrowIfNull(drains);
        var client = drains.Client;
        Func<string, Task<DrainSession?>> loadSession = id => drains.Sessions.LoadAsync(id);
        DateTime? finishedSeen = null;
        var lastSessionCheck = DateTime.MinValue;
        // On a terminal a status line shows the phase in flight and its time; redirected output gets plain lines only.
        var statusShown = false;
        string? phaseInFlight = null;
        var phaseClock = System.Diagnostics.Stopwatch.StartNew();
        ArgumentNullException.ThrowIfNull(interrupts);
        long printed = 0;
        string? watchedSession = null;
        using var events = new ProgressEvents();
        var cancelsSent = 0;
        DateTime? unansweredSince = null;
        var lastNotice = DateTime.MinValue;
        while (true)
        {
            // Taken before the poll: a session finished while it runs wakes the next wait at once.
            var finishing = drains.FinishedSessions?.Next;
            OrchestrationMetadata? instance;
            try
            {
                instance = await drains.GetInstanceOrRecordAsync(instanceId, watchedSession);
                if (unansweredSince is { } since)
                {
                    stderr.WriteLine(FormattableString.Invariant($"drain: the durable host answers again (after {(DateTime.UtcNow - since).TotalSeconds:0}s)"));
                    unansweredSince = null;
                }
            }
            catch (Exception ex) when (DrainCli.IsInfrastructure(ex) && DateTime.UtcNow - (unansweredSince ??= DateTime.UtcNow) < MaxUnanswered)
            {
                // Storage unreachable or restarting: the durable state is safe and the orchestration
                // waits for it too; ask again, and say so once a minute rather than every second.
                if (DateTime.UtcNow - lastNotice >= UnansweredNoticeEvery)
                {
                    stderr.WriteLine($"drain: the durable host did not answer ({ex.GetType().Name}: {Outage.Describe(ex)}); waiting for it...");
                    lastNotice = DateTime.UtcNow;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }

            var closing = false;
            if (instance?.ReadCustomStatusAs<DrainStatus>() is { } status)
            {
                closing = Closing(instance.RuntimeStatus, status);
                watchedSession ??= status.SessionId is { Length: > 0 } seen ? seen : null;
                foreach (var line in status.Lines.Where(l => l.Seq > printed).OrderBy(l => l.Seq))
                {
                    if (statusShown)
                    {
                        stderr.Write("\r\u001b[K");
                        statusShown = false;
                    }

                    progress.WriteLine(line.Text);
                    events.Line(watchedSession, line.Seq, line.Text);
                    printed = line.Seq;
                }

                if (status.CurrentPhase != phaseInFlight)
                {
                    phaseInFlight = status.CurrentPhase;
                    phaseClock.Restart();
                }

                if (liveStatus && phaseInFlight is not null)
                {
                    stderr.Write(FormattableString.Invariant($"\r\u001b[K  ... {phaseInFlight} running for {phaseClock.Elapsed.TotalSeconds:F0}s ({status.Processed}/{status.BatchSize} done)"));
                    statusShown = true;
                }
            }

            if (instance?.RuntimeStatus is OrchestrationRuntimeStatus.Running
                && instance.ReadCustomStatusAs<DrainStatus>() is { SessionId.Length: > 0, DryRun: false } current
                && DateTime.UtcNow - lastSessionCheck >= SessionCheckEvery)
            {
                lastSessionCheck = DateTime.UtcNow;
                if (await TryLoadAsync(loadSession, current.SessionId) is { CompletedAt: not null } finished)
                {
                    finishedSeen ??= DateTime.UtcNow;
                    if (DateTime.UtcNow - finishedSeen.Value >= FinishedButRunning)
                    {
                        stderr.WriteLine($"drain: session {finished.SessionId} is finished but its orchestration {instanceId} still says Running; it is ended (every result is saved)");
                        await client.TerminateInstanceAsync(instanceId, "the session was finished; the orchestration's completion was lost");
                        return new WatchResult(OrchestrationRuntimeStatus.Completed, FromSession(finished), null);
                    }
                }
            }

            if (instance is not null && instance.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated)
            {
                return new WatchResult(
                    instance.RuntimeStatus,
                    instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? instance.ReadOutputAs<DrainSummaryOutput>() : null,
                    FailureText(instance));
            }

            if (detachOnInterrupt && interrupts.Count > 0)
            {
                if (statusShown)
                {
                    stderr.Write("\r\u001b[K");
                }

                return new WatchResult(instance?.RuntimeStatus ?? OrchestrationRuntimeStatus.Running, null, null) { Detached = true };
            }

            var requested = Math.Min(interrupts.Count, 2);
            while (cancelsSent < requested)
            {
                cancelsSent++;
                stderr.WriteLine(cancelsSent == 1
                    ? "\nStopping after the current phase (press Ctrl-C again to stop it now)..."
                    : "\nStopping the current phase now and restoring it...");
                await drains.SendCancelAsync(instanceId, now: cancelsSent > 1);
            }

            // A save in this process finished the watched session: the orchestration completes next,
            // though its status still shows the phase before the last.
            closing |= watchedSession is not null && drains.FinishedSessions?.Last == watchedSession;
            var poll = Task.Delay(closing ? ClosingPollInterval : PollInterval);
            await (finishing is null ? poll : Task.WhenAny(poll, finishing));
        }
    }

    /// <summary>Whether the watched drain is about to end: every phase done, or a stop decided.</summary>
    private static bool Closing(OrchestrationRuntimeStatus runtime, DrainStatus status) =>
        runtime is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending
        && (status.Stop is not null || (status.BatchSize > 0 && status.Processed >= status.BatchSize));
}
