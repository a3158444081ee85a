using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A preview computed in-process, in the form an ended preview orchestration takes (output with
/// the picks, custom status with the lines), so that <see cref="InstanceArchive"/> keeps both kinds
/// of preview alike and <c>GET /api/drains/preview-...</c> answers them the same way.
/// </summary>
public static class PreviewRecord
{
    public static OrchestrationMetadata Of(DrainPreview preview)
    {
        ArgumentNullException.ThrowIfNull(preview);
        var converter = JsonDataConverter.Default;
        var output = new DrainSummaryOutput
        {
            Stop = preview.Outcome.Stop,
            StopLine = preview.Outcome.StopLine,
            DryRun = true,
            TotalProcessed = preview.Outcome.Picks.Count,
            DryRunPicks = [.. preview.Outcome.Picks],
        };
        var status = new DrainStatus
        {
            Processed = preview.Outcome.Picks.Count,
            BatchSize = preview.BatchSize,
            DryRun = true,
            Stop = preview.Outcome.Stop,
            Lines = [.. preview.Lines],
        };
        return new OrchestrationMetadata(nameof(DrainOrchestrator), preview.PreviewId)
        {
            DataConverter = converter,
            RuntimeStatus = OrchestrationRuntimeStatus.Completed,
            CreatedAt = preview.CreatedAt,
            LastUpdatedAt = preview.CreatedAt,
            SerializedOutput = converter.Serialize(output),
            SerializedCustomStatus = converter.Serialize(status),
        };
    }
}
