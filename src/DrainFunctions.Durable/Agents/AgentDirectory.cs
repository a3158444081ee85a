using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Agents;

/// <summary>
/// The agents the pool has heard of, one small blob each (<c>agents/&lt;name&gt;.json</c>) in the
/// sessions' container. Informational: the claim and the heartbeat decide on the attempt markers,
/// never on this list, so a lost or raced write here changes nothing about any phase.
/// </summary>
public sealed class AgentDirectory(BlobSessionStore blobs)
{
    public const string Prefix = "agents/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <param name="running">What it runs (a heartbeat); null: as last heard (a claim says nothing about it).</param>
    public async Task NoteAsync(string name, int slots, string? machine, IReadOnlyList<AgentRunning>? running, bool stopping, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await blobs.EnsureContainerAsync(cancellationToken);
        var blob = blobs.Container.GetBlobClient(Prefix + name + ".json");
        var earlier = await ReadAsync(blob, cancellationToken);
        var entry = new AgentEntry
        {
            Name = name,
            Slots = slots,
            Machine = machine,
            FirstSeen = earlier?.FirstSeen ?? now,
            LastSeen = now,
            Running = running ?? earlier?.Running ?? [],
            Stopping = stopping,
        };
        await blob.UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(entry, Json)), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" } }, cancellationToken);
    }

    /// <summary>The agents heard from within <paramref name="within"/>, by name.</summary>
    public async Task<IReadOnlyList<AgentEntry>> ListAsync(DateTimeOffset now, TimeSpan within, CancellationToken cancellationToken = default)
    {
        var entries = new List<AgentEntry>();
        try
        {
            await foreach (var item in blobs.Container.GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = Prefix }, cancellationToken))
            {
                if (await ReadAsync(blobs.Container.GetBlobClient(item.Name), cancellationToken) is { } entry && now - entry.LastSeen <= within)
                {
                    entries.Add(entry);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // no container yet: no agent ever came
        }

        return [.. entries.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    private static async Task<AgentEntry?> ReadAsync(Azure.Storage.Blobs.BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            return JsonSerializer.Deserialize<AgentEntry>(content.Value.Content.ToString(), Json);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
