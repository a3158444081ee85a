using Azure.Storage.Blobs.Models;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// After a forced stop (the instance terminated, so its orchestrator restores nothing): every
/// attempt of the session that has no settlement yet goes through the <see cref="RestorePhase"/>
/// activity's own code, in this process: its processes are stopped and killed, a phase still
/// QUEUED/EXECUTING is put back to FAILED, and the decision is written to the attempt marker. The
/// reason is the phase's own failure reason, as for every interrupted attempt (its category does not change).
/// <paramref name="services"/> are the host's, where the activities' dependencies are registered.
/// </summary>
public sealed class PhaseRestorer(IServiceProvider services)
{
    /// <summary>Restores the unsettled attempts of <paramref name="sessionId"/>; returns the phases (<c>run:phase</c>) put back to FAILED.</summary>
    public async Task<IReadOnlyList<string>> RestoreUnsettledAsync(string sessionId, string instanceId, CancellationToken cancellationToken = default)
    {
        var blobs = services.GetRequiredService<BlobSessionStore>();
        var stores = services.GetRequiredService<IBacklogStoreFactory>();
        var restore = ActivatorUtilities.CreateInstance<RestorePhase>(services);
        var restored = new List<string>();
        var folder = BlobSessionStore.AttemptBlobName(sessionId, "x")[..^1];
        await foreach (var item in blobs.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = folder }, cancellationToken))
        {
            var attemptId = item.Name[folder.Length..];
            if (attemptId.Contains('.', StringComparison.Ordinal)
                || await blobs.ReadAttemptAsync(sessionId, attemptId, cancellationToken) is not { Settlement: null, RunId.Length: > 0 } attempt)
            {
                continue; // a stop request, or an attempt already settled
            }

            string reason;
            await using (var store = await stores.OpenAsync(cancellationToken))
            {
                reason = (await store.GetPhaseAsync(attempt.RunId, attempt.PhaseId, cancellationToken))?.LastFailureReason ?? string.Empty;
            }

            var output = await restore.RunAsync(new ForcedStopContext(instanceId), new RestorePhaseInput(sessionId, attemptId, attempt.RunId, attempt.PhaseId, reason));
            if (output.Restored)
            {
                restored.Add(PhaseKey.Of(attempt.RunId, attempt.PhaseId));
            }
        }

        return restored;
    }
}
