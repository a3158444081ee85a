using System.Collections.Concurrent;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Executor attempts running in this process, so that a stop (cancel now, budget, timeout) reaches
/// the process at once. Across processes the stop marker blob does the same, by polling.
/// </summary>
public sealed class AttemptRegistry
{
    private readonly ConcurrentDictionary<string, Entry> running = new(StringComparer.Ordinal);

    public int Count => running.Count;

    /// <summary>Registers an attempt; dispose the handle when it has ended.</summary>
    public Handle Register(string attemptId)
    {
        var entry = new Entry();
        running[attemptId] = entry;
        return new Handle(this, attemptId, entry);
    }

    /// <summary>Stops an attempt running here and waits (bounded) for it to end; false when none runs here.</summary>
    public async Task<bool> StopAsync(string attemptId, TimeSpan wait)
    {
        if (!running.TryGetValue(attemptId, out var entry))
        {
            return false;
        }

        try
        {
            await entry.Stop.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            return true; // it ended meanwhile
        }

        await Task.WhenAny(entry.Ended.Task, Task.Delay(wait));
        return true;
    }

    public sealed class Entry
    {
        public CancellationTokenSource Stop { get; } = new();

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Handle(AttemptRegistry registry, string attemptId, Entry entry) : IDisposable
    {
        public CancellationToken Token => entry.Stop.Token;

        public CancellationTokenSource Source => entry.Stop;

        public void Dispose()
        {
            registry.running.TryRemove(new KeyValuePair<string, Entry>(attemptId, entry));
            entry.Ended.TrySetResult();
            entry.Stop.Dispose();
        }
    }
}
