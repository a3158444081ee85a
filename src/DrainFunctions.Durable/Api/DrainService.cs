using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// Drains of one database, for every entry point: the local command line, <c>drain serve</c>, the
/// Function App's HTTP functions and its timer all start, resume, preview, cancel, inspect and list
/// drains here, so that "one drain per database" and "what counts as a running drain"
/// (<see cref="DrainRules"/>) are decided once. Previews take no lock, claim no session and never
/// block or get re-attached to; real drains go through <see cref="DrainLauncher"/> (the lock).
/// </summary>
public sealed class DrainService(DurableTaskClient client, BlobSessionStore sessions, DrainLockStore locks, TimeProvider? clock = null, DrainPreviewer? previewer = null, PhaseRestorer? restorer = null, SaveSessionSnapshot? firstSave = null, FinishedSessionSignal? finished = null, FirstAttemptStarter? firstAttempt = null)
{
    /// <summary>How long a preview's record stays readable at its Location after the preview (<see cref="PurgeHistoryAsync"/>).</summary>
    public static readonly TimeSpan PreviewRetention = TimeSpan.FromDays(7);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly InstanceArchive archive = new(sessions);
    private readonly DrainInstances instances = new(client, new InstanceArchive(sessions));
    private readonly DrainLauncher launcher = new(client, sessions, locks, clock, firstSave, firstAttempt);

    private static readonly OrchestrationRuntimeStatus[] EndedStatuses =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    public BlobSessionStore Sessions => sessions;

    public DurableTaskClient Client => client;

    /// <summary>The sessions finished by saves in this process (its drains' activities run here), or null.</summary>
    public FinishedSessionSignal? FinishedSessions => finished;

    /// <summary>The drain running on the database in this task hub, if any (previews are not drains).</summary>
    public Task<LiveDrain?> FindLiveDrainAsync(CancellationToken cancellationToken = default) => instances.FindLiveDrainAsync(cancellationToken);

    /// <summary>The newest instance of <paramref name="sessionId"/> (its first, a resumed one, or the scheduled drain), or null.</summary>
    public Task<OrchestrationMetadata?> FindInstanceAsync(string sessionId, CancellationToken cancellationToken = default) => instances.FindAsync(sessionId, cancellationToken);

    // ------------------------------------------------------------------ start, preview

    /// <summary>
    /// Starts a drain (a preview when <see cref="DrainOptions.DryRun"/>), unless one runs on the
    /// database. <paramref name="fixedInstanceId"/> (the timer's) names the instance whatever its
    /// session; a finished instance of that id is purged first, and a start that loses the id to
    /// another one at the same instant answers <see cref="DrainStartStatus.AlreadyRunning"/>.
    /// </summary>
    public async Task<DrainStart> StartAsync(DrainOptions options, string? fixedInstanceId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DryRun)
        {
            var previewId = await StartPreviewAsync(options, cancellationToken);
            return new DrainStart(DrainStartStatus.Started, previewId, previewId);
        }

        if (fixedInstanceId is not null)
        {
            // The timer: drains that ended unwatched (the previous one under the fixed id among them)
            // leave the task hub, their record kept, before the id is used again.
            await PurgeEndedAsync(cancellationToken);
        }

        // The timer's fixed id is checked before it is purged; other starts check while the launcher
        // takes the lock and claims the session (storage only), which gates the scheduling.
        Task<LiveDrain?>? liveDrain = null;
        if (fixedInstanceId is not null)
        {
            if (await FindLiveDrainAsync(cancellationToken) is { } running)
            {
                return new DrainStart(DrainStartStatus.AlreadyRunning, running.SessionId, running.InstanceId) { Running = running };
            }

            if (await client.GetInstanceAsync(fixedInstanceId, cancellationToken) is not null)
            {
                // Finished (it is not live): purged so that the id can be used again on every backend.
                await client.PurgeInstanceAsync(fixedInstanceId, cancellation: cancellationToken);
            }
        }
        else
        {
            liveDrain = FindLiveDrainAsync(cancellationToken);

            // A start that fails before the launcher awaits the check leaves its failure observed.
            _ = liveDrain.ContinueWith(static check => check.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var state = await WithPriorAttemptsAsync(new PolicyState(), options, null, cancellationToken);
        DrainLaunch launch;
        try
        {
            launch = await launcher.StartAsync(options, state, fixedInstanceId is null ? null : _ => fixedInstanceId, liveDrain, cancellationToken);
        }
        catch (Exception ex) when (fixedInstanceId is not null && ex is not OperationCanceledException)
        {
            // Another start won the fixed instance id a moment earlier (the backend refuses a second one).
            var winner = await client.GetInstanceAsync(fixedInstanceId, getInputsAndOutputs: true, cancellationToken);
            if (winner is not null && DrainRules.IsLive(winner.RuntimeStatus))
            {
                var live = new LiveDrain(winner.InstanceId, DrainInstances.SessionOf(winner), winner.RuntimeStatus);
                return new DrainStart(DrainStartStatus.AlreadyRunning, live.SessionId, live.InstanceId) { Running = live };
            }

            throw;
        }

        return Launched(launch);
    }

    /// <summary>
    /// A preview computed in-process (<see cref="DrainPreviewer"/>): the picks and lines a dry run
    /// shows, with no orchestration, so nothing is left in the task hub. The command line and
    /// <c>POST /api/drains/preview</c> preview here.
    /// </summary>
    public Task<DrainPreview> PreviewAsync(DrainOptions options, Action<string>? onLine = null, Func<string?>? cancelMode = null, CancellationToken cancellationToken = default) =>
        (previewer ?? throw new InvalidOperationException("this drain service was made without a previewer (no backlog to read)"))
            .RunAsync(options, onLine, cancelMode, cancellationToken);

    /// <summary>
    /// Keeps a finished in-process preview as its record (<c>preview-&lt;guid&gt;/instance.json</c>),
    /// so that the Location of <c>POST /api/drains/preview</c> answers (<see cref="PreviewStatusAsync"/>).
    /// Only the HTTP API keeps previews: the command line's dry run touches no storage.
    /// </summary>
    public Task KeepPreviewAsync(DrainPreview preview, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preview);
        return archive.SaveAsync(preview.PreviewId, PreviewRecord.Of(preview), cancellationToken);
    }

    /// <summary>
    /// A preview by its id: the orchestration while it runs (<c>dryRun</c> start); once it has ended,
    /// read here for the first time, its record is kept and its history purged (a preview is read
    /// once by whoever started it); later, the record. Null when neither exists.
    /// </summary>
    public async Task<OrchestrationMetadata?> PreviewStatusAsync(string previewId, CancellationToken cancellationToken = default)
    {
        if (await client.GetInstanceAsync(previewId, getInputsAndOutputs: true, cancellationToken) is not { } instance)
        {
            return await archive.LoadAsync(previewId, cancellationToken);
        }

        if (!DrainRules.IsLive(instance.RuntimeStatus))
        {
            await archive.SaveAsync(previewId, instance, cancellationToken);
            try
            {
                await client.PurgeInstanceAsync(previewId, cancellation: cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // best effort: the scheduled purge takes it
            }
        }

        return instance;
    }

    /// <summary>
    /// A preview (dry run) as an orchestration under <c>preview-&lt;guid&gt;</c>, for <c>POST /api/drains</c>
    /// with <c>dryRun</c> (answered 202 and polled): no lock, no session, nothing touched. Returns its instance id.
    /// </summary>
    public async Task<string> StartPreviewAsync(DrainOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var instanceId = DrainInstances.PreviewPrefix + Guid.NewGuid().ToString("N");
        var input = new DrainOrchestrationInput { Options = options with { DryRun = true } };
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input, new StartOrchestrationOptions(instanceId), cancellationToken);
        return instanceId;
    }

    /// <summary>The instance once it has ended, or null when <paramref name="wait"/> passed first.</summary>
    public async Task<OrchestrationMetadata?> WaitForEndAsync(string instanceId, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    // ------------------------------------------------------------------ resume

    /// <summary>
    /// Which session a resume continues: <paramref name="sessionId"/>, or the newest incomplete one
    /// of the database. While a drain runs nothing is resumed: the answer is that drain
    /// (<see cref="DrainStartStatus.AlreadyRunning"/>), which the command line re-attaches to.
    /// </summary>
    public async Task<DrainStart> ChooseResumeAsync(string? sessionId, CancellationToken cancellationToken = default)
    {
        if (await FindLiveDrainAsync(cancellationToken) is { } running)
        {
            return new DrainStart(DrainStartStatus.AlreadyRunning, running.SessionId, running.InstanceId) { Running = running };
        }

        if (sessionId is not null)
        {
            var named = await sessions.LoadAsync(sessionId, cancellationToken);
            return named switch
            {
                null => new DrainStart(DrainStartStatus.NotFound, sessionId) { Problem = $"session {sessionId} not found" },
                { IsComplete: true } => new DrainStart(DrainStartStatus.AlreadyComplete, sessionId) { Session = named },
                _ => new DrainStart(DrainStartStatus.Started, sessionId) { Session = named },
            };
        }

        foreach (var stored in await sessions.ListSessionsAsync(cancellationToken: cancellationToken))
        {
            if (await sessions.LoadAsync(stored.SessionId, cancellationToken) is { IsComplete: false } candidate)
            {
                return new DrainStart(DrainStartStatus.Started, candidate.SessionId) { Session = candidate };
            }
        }

        return new DrainStart(DrainStartStatus.NotFound) { Problem = "no incomplete session to resume" };
    }

    /// <summary>Continues <paramref name="session"/> (chosen by <see cref="ChooseResumeAsync"/>) with <paramref name="options"/>, its batch size already decided.</summary>
    public async Task<DrainStart> ResumeAsync(DrainSession session, DrainOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        session.State = await WithPriorAttemptsAsync(session.State, options, session.SessionId, cancellationToken);
        var launch = await launcher.ResumeAsync(session, options, DrainRules.ResumeInstanceId(session.SessionId, time.GetUtcNow()), cancellationToken);
        return Launched(launch);
    }

    /// <summary>
    /// The instance <paramref name="instanceId"/>, or its archived record once the drain's history
    /// was purged (a second watcher of a drain that another one saw end); null when neither exists.
    /// <paramref name="sessionId"/>: the drain's session when known (the fixed timer id names none).
    /// </summary>
    public async Task<OrchestrationMetadata?> GetInstanceOrRecordAsync(string instanceId, string? sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken) is { } instance)
        {
            return instance;
        }

        var resume = instanceId.IndexOf("-resume-", StringComparison.Ordinal);
        sessionId ??= resume > 0 ? instanceId[..resume] : SessionIds.IsValid(instanceId) ? instanceId : null;
        return sessionId is not null && await archive.LoadAsync(sessionId, cancellationToken) is { } record && record.InstanceId == instanceId ? record : null;
    }

    // ------------------------------------------------------------------ purge

    /// <summary>
    /// Takes the orchestration history of <paramref name="sessionId"/>'s drain out of the task hub
    /// once its session document holds the final record (<c>completed_at</c> written) and none of
    /// its instances is live: the newest instance is kept as a small record beside the session
    /// (<see cref="InstanceArchive"/>), then every instance of the session is purged, with all its
    /// continue-as-new generations. Returns how many instances were purged. A drain that has not
    /// finished (killed host, storage outage, failure) keeps its history: it resumes from it.
    /// </summary>
    public async Task<int> PurgeEndedAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await PurgeSessionAsync(sessionId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0; // best effort: the next start's sweep purges it
        }
    }

    private async Task<int> PurgeSessionAsync(string sessionId, CancellationToken cancellationToken)
    {
        var ended = new List<OrchestrationMetadata>();
        var query = new OrchestrationQuery { InstanceIdPrefix = sessionId, FetchInputsAndOutputs = true, PageSize = 100 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (DrainRules.RunsSession(instance.InstanceId, sessionId))
            {
                ended.Add(instance);
            }
        }

        if (await client.GetInstanceAsync(DrainInstances.ScheduledInstanceId, getInputsAndOutputs: true, cancellationToken) is { } scheduled
            && DrainInstances.SessionOf(scheduled) == sessionId)
        {
            ended.Add(scheduled);
        }

        return await PurgeIfFinishedAsync(sessionId, ended, cancellationToken);
    }

    /// <summary>
    /// <see cref="PurgeEndedAsync(string, CancellationToken)"/> for every ended drain of the task hub,
    /// and any ended preview orchestration (a dry run leaves nothing behind). Run by the timer before
    /// each tick's start and by the HTTP API before each start and resume (drains that ended while
    /// nobody watched), and by the <c>drain</c> command after the drain it watched ended (not before
    /// its start: that would delay the first phase). Best effort: housekeeping never stops a start;
    /// what is not purged now is purged next time.
    /// </summary>
    public async Task<int> PurgeEndedAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var bySession = new Dictionary<string, List<OrchestrationMetadata>>(StringComparer.Ordinal);
            var purged = 0;
            var query = new OrchestrationQuery { Statuses = EndedStatuses, FetchInputsAndOutputs = true, PageSize = 100 };
            await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
            {
                if (instance.Name != nameof(DrainOrchestrator))
                {
                    continue;
                }

                if (instance.InstanceId.StartsWith(DrainInstances.PreviewPrefix, StringComparison.Ordinal))
                {
                    // Its record first (output, lines, failure): the preview's Location keeps answering.
                    await archive.SaveAsync(instance.InstanceId, instance, cancellationToken);
                    await client.PurgeInstanceAsync(instance.InstanceId, cancellation: cancellationToken);
                    purged++;
                }
                else if (DrainInstances.SessionOf(instance) is { } sessionId)
                {
                    (bySession.TryGetValue(sessionId, out var list) ? list : bySession[sessionId] = []).Add(instance);
                }
            }

            foreach (var (sessionId, ended) in bySession)
            {
                purged += await PurgeIfFinishedAsync(sessionId, ended, cancellationToken);
            }

            return purged;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The scheduled purge (the Function App's <c>PurgeHistory</c> timer, whether scheduled drains are
    /// on or not): <see cref="PurgeEndedAsync(CancellationToken)"/>, then the records of previews older
    /// than <see cref="PreviewRetention"/>. Returns the instances purged and the preview records dropped.
    /// </summary>
    public async Task<(int Instances, int PreviewRecords)> PurgeHistoryAsync(CancellationToken cancellationToken = default)
    {
        var purged = await PurgeEndedAsync(cancellationToken);
        var dropped = 0;
        var before = time.GetUtcNow() - PreviewRetention;
        try
        {
            await foreach (var item in sessions.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = DrainInstances.PreviewPrefix }, cancellationToken))
            {
                if (item.Properties.LastModified < before && DrainInstances.IsPreviewId(item.Name.Split('/')[0]))
                {
                    await sessions.Container.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken);
                    dropped++;
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // no container yet
        }

        return (purged, dropped);
    }

    private async Task<int> PurgeIfFinishedAsync(string sessionId, List<OrchestrationMetadata> instances, CancellationToken cancellationToken)
    {
        if (instances.Count == 0 || instances.Any(i => DrainRules.IsLive(i.RuntimeStatus))
            || await LoadOrNullAsync(sessionId, cancellationToken) is not { CompletedAt: not null })
        {
            return 0;
        }

        // The record first: a purge that is cut short leaves both, never neither.
        await archive.SaveAsync(sessionId, instances.MaxBy(i => i.CreatedAt)!, cancellationToken);
        foreach (var instance in instances)
        {
            await client.PurgeInstanceAsync(instance.InstanceId, cancellation: cancellationToken);
        }

        return instances.Count;
    }

    // ------------------------------------------------------------------ cancel

    /// <summary>
    /// Asks the session's drain to stop: after the current phase, or <paramref name="now"/> (the
    /// phase is stopped and restored to FAILED).
    /// </summary>
    public async Task<DrainCancel> CancelAsync(string sessionId, bool now, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindAsync(sessionId, cancellationToken);
        if (instance is null)
        {
            return new DrainCancel(DrainCancelStatus.NotFound);
        }

        if (!DrainRules.IsLive(instance.RuntimeStatus))
        {
            return new DrainCancel(DrainCancelStatus.NotRunning, instance.InstanceId, instance.RuntimeStatus);
        }

        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Suspended)
        {
            // A suspended orchestration handles no event: resumed first, it sees the cancel at once.
            await client.ResumeInstanceAsync(instance.InstanceId, "cancel requested", cancellationToken);
        }

        await SendCancelAsync(instance.InstanceId, now, cancellationToken);
        return new DrainCancel(DrainCancelStatus.Sent, instance.InstanceId, instance.RuntimeStatus);
    }

    /// <summary>
    /// The escape hatch for a drain that does not stop (stuck Running, or Suspended for good):
    /// its instance is terminated at once, every attempt it left unsettled is restored by
    /// <see cref="PhaseRestorer"/> (processes killed, phase back to FAILED), and the database's
    /// lock is released. The session stays open (no <c>completed_at</c>): <c>resume</c> continues it.
    /// </summary>
    public async Task<DrainCancel> ForceStopAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindAsync(sessionId, cancellationToken);
        if (instance is null)
        {
            return new DrainCancel(DrainCancelStatus.NotFound);
        }

        if (!DrainRules.IsLive(instance.RuntimeStatus))
        {
            return new DrainCancel(DrainCancelStatus.NotRunning, instance.InstanceId, instance.RuntimeStatus);
        }

        var phases = restorer ?? throw new InvalidOperationException("this drain service was made without a phase restorer (no backlog to restore)");
        await client.TerminateInstanceAsync(instance.InstanceId, (object)"stopped by force (cancel mode=force)", cancellationToken);
        await WaitForEndAsync(instance.InstanceId, TimeSpan.FromSeconds(30), cancellationToken);
        var restored = await phases.RestoreUnsettledAsync(sessionId, instance.InstanceId, cancellationToken);
        if (await locks.ReadAsync(cancellationToken) is { } holder && holder.SessionId == sessionId)
        {
            await locks.ReleaseAsync(holder.Token, cancellationToken);
        }

        return new DrainCancel(DrainCancelStatus.Forced, instance.InstanceId, instance.RuntimeStatus) { Restored = restored };
    }

    /// <summary>
    /// The orchestration's <c>cancel</c> event, for a watcher that knows the instance (Ctrl-C). Its
    /// marker is written first: an executor call that would start the next attempt itself sees it.
    /// </summary>
    public async Task SendCancelAsync(string instanceId, bool now, CancellationToken cancellationToken = default)
    {
        await sessions.RequestCancelAsync(instanceId, cancellationToken);
        await client.RaiseEventAsync(instanceId, CancelRequest.EventName, new CancelRequest(now ? CancelRequest.Now : CancelRequest.Graceful), cancellationToken);
    }

    // ------------------------------------------------------------------ status, list

    /// <summary>The session's drain as stored and as its newest instance shows it; null when neither exists.</summary>
    public async Task<DrainView?> StatusAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var json = await sessions.ReadTextAsync(BlobSessionStore.SessionBlobName(sessionId), cancellationToken);
        var instance = await instances.FindAsync(sessionId, cancellationToken);
        if (json is null && instance is null)
        {
            return null;
        }

        var session = json is null ? null : SessionJson.Parse(json, BlobSessionStore.SessionBlobName(sessionId));
        return View(sessionId, session, instance) with { SessionJson = json };
    }

    /// <summary>The newest <paramref name="max"/> sessions of the database, newest first (an unreadable session document shows without totals).</summary>
    public async Task<IReadOnlyList<DrainView>> ListAsync(int max, CancellationToken cancellationToken = default)
    {
        var list = new List<DrainView>();
        foreach (var stored in (await sessions.ListSessionsAsync(cancellationToken: cancellationToken)).Take(max))
        {
            var session = await LoadOrNullAsync(stored.SessionId, cancellationToken);
            list.Add(View(stored.SessionId, session, await instances.FindAsync(stored.SessionId, cancellationToken)));
        }

        return list;
    }

    /// <summary>
    /// Up to <paramref name="top"/> sessions of the database that <paramref name="matches"/>, newest
    /// first, after session <paramref name="after"/> (null: from the newest). <see cref="DrainListPage.LastRead"/>
    /// names the last session read when more remain unread (the next page starts after it).
    /// </summary>
    public async Task<DrainListPage> ListPageAsync(int top, Func<DrainView, bool> matches, string? after, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var stored = (await sessions.ListSessionsAsync(cancellationToken: cancellationToken))
            .Where(s => after is null || string.CompareOrdinal(s.SessionId, after) < 0).ToList();
        var page = new List<DrainView>();
        for (var i = 0; i < stored.Count; i++)
        {
            var id = stored[i].SessionId;
            var view = View(id, await LoadOrNullAsync(id, cancellationToken), await instances.FindAsync(id, cancellationToken));
            if (matches(view))
            {
                page.Add(view);
            }

            if (page.Count == top)
            {
                return new DrainListPage(page, i + 1 < stored.Count ? id : null);
            }
        }

        return new DrainListPage(page, null);
    }

    private static DrainView View(string sessionId, DrainSession? session, OrchestrationMetadata? instance)
    {
        var progress = instance is null ? null : DrainInstances.SafeStatus(instance);
        return new DrainView
        {
            SessionId = sessionId,
            InstanceId = instance?.InstanceId,
            Status = StatusOf(session, instance),
            State = DrainRules.StateOf(instance?.RuntimeStatus, session?.IsComplete, progress?.Stop),
            RuntimeStatus = instance?.RuntimeStatus,
            Progress = progress,
            Totals = session is not null ? DrainTotals.Of(session.State) : progress is null ? null : DrainTotals.Of(progress),
            Failure = instance?.FailureDetails?.ErrorMessage,
            Session = session,
        };
    }

    private static string StatusOf(DrainSession? session, OrchestrationMetadata? instance)
    {
        if (instance is not null && (DrainRules.IsLive(instance.RuntimeStatus) || session?.IsComplete != true))
        {
            return instance.RuntimeStatus.ToString();
        }

        return session?.IsComplete == true ? "Completed" : "Incomplete";
    }

    /// <summary>The session's summary report: the one written at its end, else the report of what is saved so far; null without a session.</summary>
    public async Task<string?> SummaryAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (await sessions.ReadTextAsync(BlobSessionStore.SummaryBlobName(sessionId), cancellationToken) is { } summary)
        {
            return summary;
        }

        var session = await LoadOrNullAsync(sessionId, cancellationToken);
        return session is null ? null : SummaryReport.Render(session, $"{sessions.Container.Name}/{BlobSessionStore.SessionBlobName(sessionId)}");
    }

    // ------------------------------------------------------------------ logs

    /// <summary>
    /// A phase's captured stdout and stderr from the given byte offsets; null when the session has
    /// no log of the phase and the phase is not running now (a running phase's log may not exist yet).
    /// <paramref name="whole"/>: decode to the end even inside a character (a final read).
    /// </summary>
    public async Task<PhaseLog?> ReadLogAsync(string sessionId, string runId, string phaseId, long stdoutFrom = 0, long stderrFrom = 0, bool whole = false, CancellationToken cancellationToken = default)
    {
        var instance = await instances.FindAsync(sessionId, cancellationToken);
        var running = instance is not null && DrainRules.IsLive(instance.RuntimeStatus)
            && DrainInstances.SafeStatus(instance)?.CurrentPhase == PhaseKey.Of(runId, phaseId);
        var stdout = await ReadFromAsync(BlobSessionStore.LogBlobName(sessionId, runId, phaseId, "stdout"), stdoutFrom, whole || !running, cancellationToken);
        var stderr = await ReadFromAsync(BlobSessionStore.LogBlobName(sessionId, runId, phaseId, "stderr"), stderrFrom, whole || !running, cancellationToken);
        if (stdout is null && stderr is null && !running)
        {
            return null;
        }

        return new PhaseLog(stdout?.Text ?? string.Empty, stderr?.Text ?? string.Empty, stdout?.Next ?? stdoutFrom, stderr?.Next ?? stderrFrom, running, stdout is not null || stderr is not null);
    }

    /// <summary>The blob's text from byte <paramref name="from"/>; null when the blob does not exist.</summary>
    private async Task<(string Text, long Next)?> ReadFromAsync(string blobName, long from, bool whole, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var content = await sessions.Container.GetBlobClient(blobName).DownloadContentAsync(new BlobDownloadOptions { Range = new HttpRange(from) }, cancellationToken);
            bytes = content.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            return (string.Empty, from); // nothing beyond the offset (yet)
        }

        var length = whole ? bytes.Length : Utf8Cut.CompleteLength(bytes);
        return (Encoding.UTF8.GetString(bytes, 0, length), from + length);
    }

    // ------------------------------------------------------------------ helpers

    private static DrainStart Launched(DrainLaunch launch) =>
        launch switch
        {
            { Running: { } running } => new DrainStart(DrainStartStatus.AlreadyRunning, running.SessionId, running.InstanceId) { Running = running },
            { Started: true } => new DrainStart(DrainStartStatus.Started, launch.SessionId, launch.InstanceId),
            _ => new DrainStart(DrainStartStatus.Locked, launch.SessionId, launch.InstanceId) { Refusal = launch },
        };

    /// <summary>
    /// Attempts per phase from the stored sessions of the ledger's window (when the cross-session
    /// ledger is off; with it on, the ledger is the memory across sessions and counting here too
    /// would count twice), so that <c>max_attempts_per_phase</c> counts across sessions.
    /// </summary>
    private async Task<PolicyState> WithPriorAttemptsAsync(PolicyState state, DrainOptions options, string? exceptSessionId, CancellationToken cancellationToken)
    {
        if (options.LedgerEnabled || options.DryRun)
        {
            return state;
        }

        var now = time.GetUtcNow();
        var window = TimeSpan.FromHours(options.LedgerWindowHours);
        var attempts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var stored in await sessions.ListSessionsAsync(cancellationToken: cancellationToken))
        {
            if (stored.SessionId == exceptSessionId || await sessions.LoadAsync(stored.SessionId, cancellationToken) is not { } session)
            {
                continue;
            }

            if (Iso8601.TryParse(session.StartedAt, out var started) && now - started > window)
            {
                continue;
            }

            foreach (var result in session.Results.Where(r => r.InterruptedBy is null))
            {
                attempts[result.Key] = attempts.GetValueOrDefault(result.Key) + 1;
            }
        }

        state.PriorAttempts = attempts;
        return state;
    }

    private async Task<DrainSession?> LoadOrNullAsync(string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            return await sessions.LoadAsync(sessionId, cancellationToken);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
