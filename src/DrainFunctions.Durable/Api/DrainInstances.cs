using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// Finds the orchestration instances of drains: the live drain of the task hub (one task hub drains
/// one database), and the instance that runs a session (its first one, a resumed one, or the
/// scheduled drain's fixed id).
/// </summary>
public sealed class DrainInstances(DurableTaskClient client, InstanceArchive? archive = null)
{
    public const string ScheduledInstanceId = "scheduled-drain";
    public const string PreviewPrefix = "preview-";

    /// <summary>A preview's id as this API makes it: <c>preview-</c> and 32 lower-case hex digits (a <see cref="Guid"/> "N").</summary>
    public static bool IsPreviewId(string? id) =>
        id is { Length: 40 } && id.StartsWith(PreviewPrefix, StringComparison.Ordinal) && !id.AsSpan(PreviewPrefix.Length).ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>The live drain (<see cref="DrainRules.IsLiveDrain"/>), if any.</summary>
    public async Task<LiveDrain?> FindLiveDrainAsync(CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery { Statuses = [.. DrainRules.LiveStatuses], FetchInputsAndOutputs = true, PageSize = 100 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            var input = SafeInput(instance);
            if (DrainRules.IsLiveDrain(instance.Name, instance.InstanceId, instance.RuntimeStatus, input?.Options?.DryRun))
            {
                return new LiveDrain(instance.InstanceId, SessionOf(instance, input), instance.RuntimeStatus);
            }
        }

        return null;
    }

    /// <summary>The newest instance that ran <paramref name="sessionId"/> (its archived record once purged), or null.</summary>
    public async Task<OrchestrationMetadata?> FindAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        OrchestrationMetadata? best = null;
        var query = new OrchestrationQuery { InstanceIdPrefix = sessionId, FetchInputsAndOutputs = true, PageSize = 100 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (DrainRules.RunsSession(instance.InstanceId, sessionId) && (best is null || instance.CreatedAt > best.CreatedAt))
            {
                best = instance;
            }
        }

        if (best is not null)
        {
            return best;
        }

        var scheduled = await client.GetInstanceAsync(ScheduledInstanceId, getInputsAndOutputs: true, cancellationToken);
        if (scheduled is not null && SessionOf(scheduled, SafeInput(scheduled)) == sessionId)
        {
            return scheduled;
        }

        // A finished drain's instance is purged from the task hub; its record stays beside the session.
        return archive is null ? null : await archive.LoadAsync(sessionId, cancellationToken);
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

    public static DrainSummaryOutput? SafeOutput(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            return instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && instance.SerializedOutput is not null ? instance.ReadOutputAs<DrainSummaryOutput>() : null;
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
