using System.Collections.Concurrent;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Executor attempts running in this process, so that a stop (cancel now, budget, timeout) reaches
/// the process at once, and so that a second delivery of an attempt that still runs here (its
/// queue lease lapsed, e.g. while storage was unreachable) waits for the running call instead of
/// starting or adopting anything. Across processes the attempt marker and the stop marker blob
/// do the same.
/// </summary>
public sealed class AttemptRegistry
{
    private readonly ConcurrentDictionary<string, Entry> running = new(StringComparer.Ordinal);

    /// <summary>Attempts started before the orchestration asked for them, until its call takes one over; with the attempt whose call started it.</summary>
    private readonly ConcurrentDictionary<string, (Task<RunPhaseExecutorOutput> Run, string? StartedBy)> prestarted = new(StringComparer.Ordinal);

    private int claimed;

    public int Count => running.Count;

    /// <summary>How many prestarted attempts an executor call has taken over in this process.</summary>
    public int PrestartsClaimed => Volatile.Read(ref claimed);

    /// <summary>
    /// An attempt started here before its orchestration asked for it (<see cref="FirstAttemptStarter"/>,
    /// or the executor call of <paramref name="startedBy"/>): the orchestration's executor call for
    /// <paramref name="attemptId"/> takes <paramref name="run"/> over, whether it still runs or has
    /// ended (its output is kept until then).
    /// </summary>
    public void Prestarted(string attemptId, Task<RunPhaseExecutorOutput> run, string? startedBy = null) => prestarted[attemptId] = (run, startedBy);

    /// <summary>A prestarted attempt that will not run after all (its drain was not scheduled).</summary>
    public void Withdraw(string attemptId) => prestarted.TryRemove(attemptId, out _);

    /// <summary>The run of a prestarted attempt, for the one call that takes it over.</summary>
    public bool TryClaim(string attemptId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Task<RunPhaseExecutorOutput>? run) =>
        TryClaim(attemptId, out run, out _);

    /// <summary>The same, with the attempt whose executor call started it (null: the drain's starter).</summary>
    public bool TryClaim(string attemptId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Task<RunPhaseExecutorOutput>? run, out string? startedBy)
    {
        if (!prestarted.TryRemove(attemptId, out var claimedRun))
        {
            run = null;
            startedBy = null;
            return false;
        }

        (run, startedBy) = claimedRun;
        Interlocked.Increment(ref claimed);
        return true;
    }

    /// <summary>
    /// Registers an attempt; when a call of it already runs here, returns null and that call's
    /// outcome in <paramref name="already"/>. Dispose the handle when the attempt has ended.
    /// </summary>
    public Handle? TryBegin(string attemptId, out Task<RunPhaseExecutorOutput>? already)
    {
        var entry = new Entry();
        var current = running.GetOrAdd(attemptId, entry);
        if (!ReferenceEquals(current, entry))
        {
            entry.Stop.Dispose();
            already = current.Outcome.Task;
            return null;
        }

        already = null;
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

        public TaskCompletionSource<RunPhaseExecutorOutput> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class Handle(AttemptRegistry registry, string attemptId, Entry entry) : IDisposable
    {
        public CancellationToken Token => entry.Stop.Token;

        public CancellationTokenSource Source => entry.Stop;

        /// <summary>The outcome, for a second delivery waiting on this call.</summary>
        public void Complete(RunPhaseExecutorOutput output) => entry.Outcome.TrySetResult(output);

        public void Fail(Exception exception) => entry.Outcome.TrySetException(exception);

        public void Dispose()
        {
            registry.running.TryRemove(new KeyValuePair<string, Entry>(attemptId, entry));
            entry.Outcome.TrySetCanceled();
            entry.Ended.TrySetResult();
            entry.Stop.Dispose();
        }
    }
}
