using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The instance id scheme, and the one-drain-at-a-time rule.
/// <list type="bullet">
/// <item>A drain started over HTTP runs under instance id = its session id
/// (<c>batch-drain-YYYYMMDD-HHMMSS</c>); a resumed session under <c>&lt;session-id&gt;-resume-YYYYMMDDHHMMSS</c>.</item>
/// <item>The scheduled drain runs under the fixed id <see cref="ScheduledInstanceId"/>; its session id is in its input.</item>
/// <item>A preview (dry run) runs under <c>preview-&lt;guid&gt;</c> and never blocks a drain: it touches nothing.</item>
/// </list>
/// One Function App (one task hub) drains one database (<c>DATABASE_URL</c>), so "a drain running on
/// the same database" is "a non-dry-run DrainOrchestrator instance in this task hub that is
/// Pending, Running or Suspended".
/// </summary>
public sealed class DrainInstances(DurableTaskClient client)
{
    public const string ScheduledInstanceId = "scheduled-drain";
    public const string PreviewPrefix = "preview-";

    private static readonly OrchestrationRuntimeStatus[] Live =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    public DurableTaskClient Client => client;

    public static bool IsLive(OrchestrationRuntimeStatus status) => Live.Contains(status);

    /// <summary>The running drain (not a dry run), if any: its instance and session id.</summary>
    public async Task<(OrchestrationMetadata Instance, string? SessionId)?> FindRunningAsync(CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery { Statuses = Live, FetchInputsAndOutputs = true, PageSize = 100 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.Name != nameof(DrainOrchestrator) || instance.InstanceId.StartsWith(PreviewPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var input = SafeInput(instance);
            if (input?.Options?.DryRun == true)
            {
                continue;
            }

            return (instance, SessionOf(instance, input));
        }

        return null;
    }

    /// <summary>The newest instance that ran <paramref name="sessionId"/>, or null.</summary>
    public async Task<OrchestrationMetadata?> FindAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        OrchestrationMetadata? best = null;
        var query = new OrchestrationQuery { InstanceIdPrefix = sessionId, FetchInputsAndOutputs = true, PageSize = 100 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.InstanceId == sessionId || instance.InstanceId.StartsWith(sessionId + "-resume-", StringComparison.Ordinal))
            {
                if (best is null || instance.CreatedAt > best.CreatedAt)
                {
                    best = instance;
                }
            }
        }

        if (best is not null)
        {
            return best;
        }

        var scheduled = await client.GetInstanceAsync(ScheduledInstanceId, getInputsAndOutputs: true, cancellationToken);
        return scheduled is not null && SessionOf(scheduled, SafeInput(scheduled)) == sessionId ? scheduled : null;
    }

    public static string? SessionOf(OrchestrationMetadata instance, DrainOrchestrationInput? input = null)
    {
        ArgumentNullException.ThrowIfNull(instance);
        input ??= SafeInput(instance);
        if (input?.SessionId is { } s)
        {
            return s;
        }

        if (SafeStatus(instance)?.SessionId is { Length: > 0 } fromStatus)
        {
            return fromStatus;
        }

        return SessionIds.IsValid(instance.InstanceId) ? instance.InstanceId : null;
    }

    public static DrainOrchestrationInput? SafeInput(OrchestrationMetadata instance)
    {
        try
        {
            return instance.SerializedInput is null ? null : instance.ReadInputAs<DrainOrchestrationInput>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static DrainStatus? SafeStatus(OrchestrationMetadata instance)
    {
        try
        {
            return instance.SerializedCustomStatus is null ? null : instance.ReadCustomStatusAs<DrainStatus>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
