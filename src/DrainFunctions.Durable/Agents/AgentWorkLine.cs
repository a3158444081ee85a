using System.Text.Json;
using Azure.Core;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Agents;

/// <summary>
/// The storage queue between the drains and the agents (the line phases wait in). A message is only a pointer to an attempt
/// marker; delivering one twice is harmless because the claim is a conditional write of the marker.
/// </summary>
public sealed class AgentWorkLine
{
    /// <summary>How long a received message stays invisible while its claim is made.</summary>
    public static readonly TimeSpan ClaimVisibility = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lazy<QueueClient> client;
    private int created;

    /// <summary>The client is made on first use: a host whose drains never use agents needs no queue settings.</summary>
    public AgentWorkLine(IOptions<SnapshotOptions> snapshots, IOptions<AgentOptions> agents, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(agents);
        client = new Lazy<QueueClient>(() => Create(snapshots.Value, agents.Value, credential));
    }

    private QueueClient Queue => client.Value;

    private static QueueClient Create(SnapshotOptions snapshots, AgentOptions agents, TokenCredential? credential)
    {
        var options = new QueueClientOptions();
        options.Retry.MaxRetries = snapshots.MaxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
        if (!string.IsNullOrWhiteSpace(snapshots.ConnectionString))
        {
            return new QueueClient(snapshots.ConnectionString, agents.QueueName, options);
        }

        if (agents.QueueServiceUri is { } uri && credential is not null)
        {
            return new QueueServiceClient(uri, credential, options).GetQueueClient(agents.QueueName);
        }

        throw new OptionsValidationException(nameof(AgentOptions), typeof(AgentOptions),
            ["Agents: set Snapshots:ConnectionString, or Agents:QueueServiceUri with an identity, for the agents' queue."]);
    }

    public string Name => Queue.Name;

    public async Task SendAsync(AgentWorkMessage message, CancellationToken cancellationToken = default)
    {
        await EnsureAsync(cancellationToken);
        await Queue.SendMessageAsync(JsonSerializer.Serialize(message, Json), cancellationToken);
    }

    /// <summary>Up to <paramref name="max"/> messages, invisible to others while they are claimed.</summary>
    public async Task<IReadOnlyList<(AgentWorkMessage? Work, string MessageId, string PopReceipt, long DequeueCount)>> ReceiveAsync(int max, CancellationToken cancellationToken = default)
    {
        await EnsureAsync(cancellationToken);
        var received = await Queue.ReceiveMessagesAsync(Math.Clamp(max, 1, 32), ClaimVisibility, cancellationToken);
        return [.. received.Value.Select(m => (Parse(m), m.MessageId, m.PopReceipt, m.DequeueCount))];
    }

    public async Task DeleteAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        try
        {
            await Queue.DeleteMessageAsync(messageId, popReceipt, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // gone already (its visibility ran out and another claim took it): the marker decides
        }
    }

    private static AgentWorkMessage? Parse(QueueMessage message)
    {
        try
        {
            return JsonSerializer.Deserialize<AgentWorkMessage>(message.Body.ToString(), Json) is { SessionId.Length: > 0, AttemptId.Length: > 0 } work ? work : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref created) == 0)
        {
            await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            Volatile.Write(ref created, 1);
        }
    }
}
