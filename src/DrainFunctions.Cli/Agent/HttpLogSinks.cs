using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Executors;

namespace DrainFunctions.Cli.Agent;

/// <summary>An agent's attempts' logs: streamed to the server, which appends them to the session's log blobs.</summary>
public sealed class HttpLogSinks(AgentServer server, Func<string, AgentWorkItem?> workOf) : ILogSinks
{
    public Task PrepareAsync(string what) => Task.CompletedTask;

    public ILogSink Open(ExecutorRequest request, string blobName, string stream)
    {
        ArgumentNullException.ThrowIfNull(request);
        var work = workOf(request.AttemptId ?? string.Empty) ?? throw new InvalidOperationException($"attempt {request.AttemptId} is not one this agent claimed");
        return new HttpLogSink(server, work, blobName, stream);
    }

    private sealed class HttpLogSink(AgentServer server, AgentWorkItem work, string name, string stream) : ILogSink
    {
        public string Name => name;

        public Task<(LogStoreResult Result, string? Why)> CreateAsync() => SendAsync([], 0);

        public async Task<(LogStoreResult Result, string? Why)> AppendAsync(MemoryStream batch, long offset)
        {
            ArgumentNullException.ThrowIfNull(batch);
            var bytes = batch.ToArray();
            for (var at = 0; at < bytes.Length; at += AgentLogChunk.MaxBytes)
            {
                var piece = bytes.AsSpan(at, Math.Min(AgentLogChunk.MaxBytes, bytes.Length - at)).ToArray();
                var sent = await SendAsync(piece, offset + at);
                if (sent.Result != LogStoreResult.Stored)
                {
                    // Unreachable: the whole batch is sent again from its start; pieces stored already are recognized by their offset.
                    return sent;
                }
            }

            return (LogStoreResult.Stored, null);
        }

        private async Task<(LogStoreResult Result, string? Why)> SendAsync(byte[] bytes, long offset)
        {
            var (outcome, why) = await server.AppendLogAsync(work, new AgentLogChunk { Agent = server.Agent, Stream = stream, Offset = offset, Data = Convert.ToBase64String(bytes) }, CancellationToken.None);
            return outcome switch
            {
                AgentCallOutcome.Accepted => (LogStoreResult.Stored, null),
                AgentCallOutcome.Unreachable => (LogStoreResult.Unreachable, $"the server is unreachable: {why}"),
                _ => (LogStoreResult.Refused, why),
            };
        }
    }
}
