using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Forecasts;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// Dry runs in-process (<see cref="DryRunLoop"/>): the backlog opened as the <c>SelectNextPhase</c>
/// activity opens it, the ledger read from blob storage as that activity reads it. No
/// orchestration is scheduled, so a preview leaves nothing in the task hub and needs no worker.
/// <paramref name="ledger"/> may be null only for previews with the ledger off; without
/// <paramref name="sessions"/> a <c>--prioritize yield|forecast</c> preview has only the ledger's history.
/// </summary>
public sealed class DrainPreviewer(IBacklogStoreFactory stores, BlobLedgerStore? ledger, TimeProvider? clock = null, BlobSessionStore? sessions = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>
    /// Runs the dry run of <paramref name="options"/>; each progress line goes to
    /// <paramref name="onLine"/> as it is decided. <paramref name="cancelMode"/>: asked before each
    /// pick; a mode stops the run as a drain's cancel does.
    /// </summary>
    public async Task<DrainPreview> RunAsync(DrainOptions options, Action<string>? onLine = null, Func<string?>? cancelMode = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options with { DryRun = true };
        var startedAt = time.GetUtcNow();
        var sessionId = SessionIds.FromStart(startedAt);
        LedgerView? view = null;
        if (options.LedgerEnabled && options.Validate().Count == 0)
        {
            var store = ledger ?? throw new InvalidOperationException("a preview with the ledger on needs the ledger store");
            view = await Outage.GuardAsync("reading the ledger", store.ContainerUri, () => store.ViewAsync(sessionId, options.LedgerWindowHours, options.MaxFingerprintRepeats, cancellationToken));
        }

        // The lines a drain's status would show at its end (the same bound), for the HTTP answer.
        var recent = new LineLog(0, []);
        await using var backlog = await stores.OpenAsync(cancellationToken);
        var history = options.PrioritizeMode() == PrioritizeMode.Seed || sessions is null
            ? null
            : await Outage.GuardAsync("reading the drain history", sessions.Container.Uri, () => new DrainHistoryReader(sessions, ledger).ReadAsync(null, backlog, cancellationToken));
        var outcome = await DryRunLoop.RunAsync(backlog, options, view, startedAt, time, line =>
        {
            recent.Add(line);
            onLine?.Invoke(line);
        }, cancelMode, history, cancellationToken);
        var lines = recent.Snapshot();
        return new DrainPreview(DrainInstances.PreviewPrefix + Guid.NewGuid().ToString("N"), outcome, [.. lines.Select(l => l.Text)])
        {
            Lines = [.. lines],
            CreatedAt = startedAt,
            BatchSize = options.BatchSize,
        };
    }
}
