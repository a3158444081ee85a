using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The phase timer and the budget timer of one orchestration generation, shared by its attempts.
/// A durable timer cannot be taken back: every timer a drain creates fires some day, and one that
/// fires after its drain has ended (and its history left the task hub) is taken by the next host
/// for a message that came before its history, and dequeued six times before it is dropped. One
/// timer per attempt left a drain of 20 quick phases 20 such timers; sharing leaves about one per
/// generation. An attempt waits on the pending phase timer when it fires no later than the
/// attempt's own time (deadline + grace); when it fires earlier, the attempt creates the next one
/// at its own time (the race already waits again when a timer fires before its time).
/// Deterministic: only orchestration timers, no clock.
/// </summary>
internal sealed class GenerationTimers(TaskOrchestrationContext context) : IDisposable
{
    private readonly CancellationTokenSource cancel = new();
    private Task? phaseTimer;
    private DateTimeOffset phaseTimerAt;
    private Task? budgetTimer;

    /// <summary>A timer that fires no later than <paramref name="authority"/>: the pending one, or a new one at <paramref name="authority"/>.</summary>
    public Task PhaseTimer(DateTimeOffset authority)
    {
        if (phaseTimer is null || phaseTimer.IsCompleted || phaseTimerAt > authority)
        {
            phaseTimer = context.CreateTimer(authority.UtcDateTime, cancel.Token);
            phaseTimerAt = authority;
        }

        return phaseTimer;
    }

    /// <summary>The budget's timer: the pending one, or a new one at <paramref name="deadline"/> once it has fired (early).</summary>
    public Task BudgetTimer(DateTimeOffset deadline)
    {
        if (budgetTimer is null || budgetTimer.IsCompleted)
        {
            budgetTimer = context.CreateTimer(deadline.UtcDateTime, cancel.Token);
        }

        return budgetTimer;
    }

    /// <summary>
    /// At the generation's end: the timers still pending are let go, or the instance would stay open
    /// until they fire. Synchronously: CancelAsync would resume the orchestration off its thread.
    /// </summary>
    public void Dispose()
    {
#pragma warning disable CA1849 // Call async methods when in an async method
        cancel.Cancel();
#pragma warning restore CA1849
        cancel.Dispose();
    }
}
