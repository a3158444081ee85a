using DrainFunctions.Durable.Hosting;

namespace DrainFunctions.Durable.Agents;

/// <summary>
/// Wakes claims waiting in this process when work was queued from it (drain serve, one Function
/// App instance), so that a freed slot is filled without waiting for the next queue poll.
/// </summary>
public sealed class AgentWorkSignal : PulseSignal
{
    /// <summary>Returns when work was queued here, or after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Task.WhenAny(Next, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }
}
