namespace DrainFunctions.LocalHost;

/// <summary>
/// Calls begun and not yet ended, so that a stop can let them end first. Their outcome is the
/// caller's: <see cref="Track"/> returns the call itself, and <see cref="WhenEndedAsync"/> never throws.
/// </summary>
internal sealed class InFlightCalls
{
    private readonly object gate = new();
    private readonly HashSet<Task> calls = [];

    /// <summary>Tracks <paramref name="call"/> until it ends; returns it.</summary>
    public Task Track(Task call)
    {
        ArgumentNullException.ThrowIfNull(call);

        // The set holds a token that ends only after its call has left the set, so that a waiter
        // woken by the token never sees the ended call still counted.
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            calls.Add(ended.Task);
        }

        call.ContinueWith(
            _ =>
            {
                lock (gate)
                {
                    calls.Remove(ended.Task);
                }

                ended.SetResult();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return call;
    }

    /// <summary>How many tracked calls have not ended.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return calls.Count;
            }
        }
    }

    /// <summary>
    /// Completes when every call begun before it has ended (whatever its outcome), or after
    /// <paramref name="limit"/>; true when they all ended.
    /// </summary>
    public async Task<bool> WhenEndedAsync(TimeSpan limit)
    {
        Task[] pending;
        lock (gate)
        {
            pending = [.. calls];
        }

        if (pending.Length == 0)
        {
            return true;
        }

        var all = Task.WhenAll(pending);
        return await Task.WhenAny(all, Task.Delay(limit)).ConfigureAwait(false) == all;
    }
}
