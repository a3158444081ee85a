using System.Text.Json;
using Azure;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// What a finished drain's instance showed at its end (status, stop, last lines, output, failure),
/// kept as one small blob beside its session (<c>&lt;session&gt;/instance.json</c>) so that its
/// orchestration history can be purged from the task hub: status, list, cancel and logs read this
/// record where the instance used to be. Its input (the processed keys) is not kept: the session
/// document holds them.
/// </summary>
public sealed class InstanceArchive(BlobSessionStore sessions)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string BlobName(string sessionId) => $"{BlobSessionStore.SessionBlobName(sessionId)[..^5]}/instance.json";

    /// <summary>Keeps <paramref name="instance"/> (read with its outputs) as the record of <paramref name="sessionId"/>.</summary>
    public async Task SaveAsync(string sessionId, OrchestrationMetadata instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var record = new ArchivedInstance
        {
            Name = instance.Name,
            InstanceId = instance.InstanceId,
            RuntimeStatus = instance.RuntimeStatus,
            CreatedAt = instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
            SerializedOutput = instance.SerializedOutput,
            SerializedCustomStatus = instance.SerializedCustomStatus,
            FailureType = instance.FailureDetails?.ErrorType,
            FailureMessage = instance.FailureDetails?.ErrorMessage,
        };
        await sessions.EnsureContainerAsync(cancellationToken); // a preview may be the first thing kept
        await sessions.Container.GetBlobClient(BlobName(sessionId)).UploadAsync(BinaryData.FromObjectAsJson(record, Json), overwrite: true, cancellationToken);
    }

    /// <summary>The archived instance of <paramref name="sessionId"/>, as the client would have returned it; null when none was kept.</summary>
    public async Task<OrchestrationMetadata?> LoadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArchivedInstance? record;
        try
        {
            var content = await sessions.Container.GetBlobClient(BlobName(sessionId)).DownloadContentAsync(cancellationToken);
            record = content.Value.Content.ToObjectFromJson<ArchivedInstance>(Json);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null; // an unreadable record shows as no instance, as a purged one without a record would
        }

        return record is null ? null : new OrchestrationMetadata(record.Name, record.InstanceId)
        {
            DataConverter = JsonDataConverter.Default,
            RuntimeStatus = record.RuntimeStatus,
            CreatedAt = record.CreatedAt,
            LastUpdatedAt = record.LastUpdatedAt,
            SerializedOutput = record.SerializedOutput,
            SerializedCustomStatus = record.SerializedCustomStatus,
            FailureDetails = record.FailureMessage is null ? null : new TaskFailureDetails(record.FailureType ?? string.Empty, record.FailureMessage, null, null, null),
        };
    }
}
