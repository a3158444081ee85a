namespace DrainFunctions.Durable.Agents;

/// <summary>
/// Wakes claims waiting in this process when work was queued from it (drain serve, one Function
/// App instance), so that a freed slot is filled without waiting for the next queue poll.
/// </summary>
public sealed class AgentWorkSignal
{
    private TaskCompletionSource pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Returns when work was queued here, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref pulse).Task;
        await Task.WhenAny(current, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }
}
