namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Wakes waiters in this process: each <see cref="Pulse"/> completes the task that waiters took
/// from <see cref="Next"/> before it.
/// </summary>
public class PulseSignal
{
    private TaskCompletionSource pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Completes at the next pulse. Take it before looking at what the pulse announces, so that a
    /// pulse made while looking is not missed.
    /// </summary>
    public Task Next => Volatile.Read(ref pulse).Task;
}
