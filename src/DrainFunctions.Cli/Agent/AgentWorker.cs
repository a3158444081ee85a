using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DrainFunctions.Cli.Local;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Telemetry;

namespace DrainFunctions.Cli.Agent;

/// <summary>
/// <c>drain agent</c>'s loop: claims phases while it has free slots, runs each with the process
/// executor (no shell; the process tree killed at its deadline, or when the drain takes the phase
/// back), streams its output to the server, heartbeats, and reports how each run ended. The server
/// decides everything on its side; the agent only runs what it claimed and obeys "stop".
/// </summary>
public sealed class AgentWorker(AgentServer server, IPhaseExecutor executor, AttemptProcesses processes, AgentJournal journal, int slots, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
{
    /// <summary>How long a result is offered to an unreachable server before the agent gives up on it (the drain then finds the agent lost).</summary>
    public static readonly TimeSpan ReportPatience = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Running> running = new(StringComparer.Ordinal);
    private readonly List<double> turnarounds = [];
    private readonly DateTimeOffset?[] slotFreedAt = new DateTimeOffset?[slots];
    private readonly Lock gate = new();
    private TimeSpan heartbeatEvery = TimeSpan.FromSeconds(5);
    private int phasesRun;
    private bool unreachableSaid;

    /// <summary>The attempt's work item, for its log sinks.</summary>
    public AgentWorkItem? WorkOf(string attemptId) => running.TryGetValue(attemptId, out var r) ? r.Work : null;

    public async Task<int> RunAsync()
    {
        // What a previous run of this agent left running (it was killed): the drain declared those
        // attempts lost and restored their phases, so nothing of them may go on.
        foreach (var leftover in journal.Leftovers())
        {
            var killed = await processes.KillAllAsync(leftover);
            stdout.WriteLine($"Agent {server.Agent}: attempt {leftover} of a previous run: {killed} process(es) left, killed");
        }

        journal.Reset();
        stdout.WriteLine($"Agent {server.Agent}: {slots} slot(s), pulling work (Ctrl-C: finish the running phases and stop; twice: stop them too)");
        using var quit = new CancellationTokenSource();
        var beats = HeartbeatLoopAsync(quit.Token);
        var retry = TimeSpan.FromMilliseconds(500);
        var stopSaid = false;
        while (true)
        {
            if (interrupts.Count >= 2)
            {
                foreach (var r in running.Values.Where(r => !r.Ended && !r.Stop.IsCancellationRequested))
                {
                    r.StoppedBecause = "Ctrl-C twice";
                    await r.Stop.CancelAsync();
                }
            }

            if (interrupts.Count >= 1)
            {
                if (!stopSaid)
                {
                    stopSaid = true;
                    stdout.WriteLine(running.IsEmpty ? $"Agent {server.Agent}: stopping" : $"Agent {server.Agent}: stopping after the {running.Count} running phase(s) (Ctrl-C again stops them)");
                }

                if (running.IsEmpty)
                {
                    break;
                }

                await Task.Delay(200);
                continue;
            }

            var free = FreeSlots();
            if (free.Count == 0)
            {
                await Task.WhenAny([.. running.Values.Select(r => r.Task), Task.Delay(200)]);
                continue;
            }

            // The claim waits on the server for work; Ctrl-C must not wait for it to answer.
            using var claimStop = new CancellationTokenSource();
            var claim = server.ClaimAsync(slots, free.Count, 10, claimStop.Token);
            while (!claim.IsCompleted && interrupts.Count == 0)
            {
                await Task.WhenAny(claim, Task.Delay(200));
            }

            if (!claim.IsCompleted)
            {
                await claimStop.CancelAsync();
                try
                {
                    await claim;
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C while waiting for work; a claim the server made meanwhile is found lost by the drain
                }

                continue;
            }

            var (outcome, answer, why) = await claim;
            if (outcome != AgentCallOutcome.Accepted || answer is null)
            {
                if (outcome == AgentCallOutcome.Rejected)
                {
                    stderr.WriteLine($"drain agent: the server refused the agent: {why}");
                    await quit.CancelAsync();
                    await beats;
                    return 1;
                }

                Unreachable(why);
                await Task.Delay(retry);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                continue;
            }

            Reachable();
            retry = TimeSpan.FromMilliseconds(500);
            heartbeatEvery = TimeSpan.FromSeconds(Math.Max(0.2, answer.HeartbeatSeconds));
            foreach (var (work, slot) in answer.Work.Zip(free))
            {
                Start(work, slot);
            }
        }

        await quit.CancelAsync();
        await beats;
        stdout.WriteLine($"Agent {server.Agent} stopped: {phasesRun} phase(s) run; {Turnaround()}");
        return 0;
    }

    /// <summary>Slot turnaround: from a run's end to the next run's start in the same slot (what a freed slot waits for).</summary>
    public string Turnaround()
    {
        lock (gate)
        {
            if (turnarounds.Count == 0)
            {
                return "slot turnaround: no samples";
            }

            var sorted = turnarounds.Order().ToList();
            var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
            var p95 = sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(0.95 * sorted.Count) - 1)];
            return string.Create(CultureInfo.InvariantCulture, $"slot turnaround median {median:0} ms, p95 {p95:0} ms ({sorted.Count} samples)");
        }
    }

    private List<int> FreeSlots()
    {
        var busy = running.Values.Select(r => r.Slot).ToHashSet();
        return [.. Enumerable.Range(1, slots).Where(s => !busy.Contains(s))];
    }

    private void Start(AgentWorkItem work, int slot)
    {
        // The deadline on this machine's clock: the time the server gave, from the moment it gave it.
        var deadline = DateTimeOffset.UtcNow + (work.Deadline - work.ServerTime);
        var stop = new CancellationTokenSource();
        var entry = new Running(work, slot, stop) { Deadline = deadline, ServerDeadline = work.Deadline };
        running[work.AttemptId] = entry;
        journal.Begin(work.AttemptId);
        entry.Task = Task.Run(() => RunOneAsync(entry, deadline));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[slot {slot}] {work.RunId}/{work.PhaseId}: started (attempt {work.AttemptId}, deadline in {(deadline - DateTimeOffset.UtcNow).TotalSeconds:0}s)"));
    }

    private async Task RunOneAsync(Running entry, DateTimeOffset deadline)
    {
        var work = entry.Work;

        // The drain's trace goes on here (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set), and on in the executor.
        using var span = ActivityContext.TryParse(work.TraceParent, null, isRemote: true, out var parent)
            ? DrainTelemetry.Source.StartActivity(DrainTelemetry.Spans.AgentRun, ActivityKind.Consumer, parent)
            : null;
        span?.SetTag(DrainTelemetry.Attributes.SessionId, work.SessionId);
        span?.SetTag(DrainTelemetry.Attributes.AttemptId, work.AttemptId);
        span?.SetTag(DrainTelemetry.Attributes.RunId, work.RunId);
        span?.SetTag(DrainTelemetry.Attributes.PhaseId, work.PhaseId);
        span?.SetTag(DrainTelemetry.Attributes.Agent, server.Agent);
        span?.SetTag(DrainTelemetry.Attributes.Slot, entry.Slot);
        ExecutorRun? run = null;
        try
        {
            run = await executor.RunAsync(
                new ExecutorRequest(work.SessionId, work.RunId, work.PhaseId, work.PhaseIndex, deadline, null)
                {
                    AttemptId = work.AttemptId,
                    Slot = entry.Slot,
                    TraceParent = span is null ? work.TraceParent : TraceIds.TraceParent(span.Context),
                    ReadDeadline = work.MayExtend
                        ? async (due, giveUp, _) => entry.Deadline > due
                            ? new DeadlineVerdict(DeadlineVerdictKind.Moved, entry.Deadline)
                            : await BeatAsync(entry, giveUp) ?? DeadlineVerdict.Kept(due)
                        : null,
                    DeadlinePatience = TimeSpan.FromSeconds(Math.Min(10, work.GraceSeconds / 2)),
                    OnStarted = _ =>
                    {
                        NoteStarted(entry.Slot);
                        return Task.CompletedTask;
                    },
                },
                entry.Stop.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Could not start it (a missing program): said to the drain as a failed run, not hidden.
            stderr.WriteLine($"drain agent: [slot {entry.Slot}] {work.RunId}/{work.PhaseId}: the executor did not start: {ex.Message}");
            run = new ExecutorRun { ReturnCode = 127, StderrExcerpt = "drain agent: the executor did not start: " + ex.Message };
        }
        finally
        {
            entry.Ended = true;
            lock (gate)
            {
                slotFreedAt[entry.Slot - 1] = DateTimeOffset.UtcNow;
            }
        }

        var report = new AgentRunReport
        {
            Agent = server.Agent,
            ReturnCode = run.ReturnCode,
            TimedOut = run.TimedOut,
            Stopped = run.Stopped,
            DurationSeconds = run.DurationSeconds,
            StdoutExcerpt = run.StdoutExcerpt,
            StderrExcerpt = run.StderrExcerpt,
            ReachedLlmBoundary = run.ReachedLlmBoundary,
            FailedBeforeLlm = run.FailedBeforeLlm,
            ProcessId = run.ProcessId,
            OutputBytes = run.OutputBytes,
        };
        span?.SetTag(DrainTelemetry.Attributes.TimedOut, run.TimedOut);
        span?.SetTag(DrainTelemetry.Attributes.ExecutorStatus, run.TimedOut ? "TimedOut" : run.Stopped ? "Stopped" : "Completed");
        if (run.TimedOut || run.Stopped || run.ReturnCode != 0)
        {
            span?.SetStatus(ActivityStatusCode.Error);
        }

        var said = run.TimedOut ? "timed out at its deadline: process tree killed"
            : run.Stopped ? $"stopped ({entry.StoppedBecause ?? "the drain took it back"}): process tree killed"
            : string.Create(CultureInfo.InvariantCulture, $"exit {run.ReturnCode} in {run.DurationSeconds:0.0}s");
        stdout.WriteLine($"[slot {entry.Slot}] {work.RunId}/{work.PhaseId}: {said}; {await DeliverAsync(work, report)}");
        Interlocked.Increment(ref phasesRun);
        running.TryRemove(work.AttemptId, out _);
        journal.End(work.AttemptId);
        entry.Stop.Dispose();
    }

    private async Task<string> DeliverAsync(AgentWorkItem work, AgentRunReport report)
    {
        var until = DateTimeOffset.UtcNow + ReportPatience;
        var retry = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var (outcome, why) = await server.ReportAsync(work, report, CancellationToken.None);
            switch (outcome)
            {
                case AgentCallOutcome.Accepted:
                    Reachable();
                    return "result reported";
                case AgentCallOutcome.Refused:
                    return $"result refused: {why}";
                case AgentCallOutcome.Rejected:
                    return $"result rejected: {why}";
            }

            Unreachable(why);
            if (DateTimeOffset.UtcNow >= until)
            {
                return "result not delivered: the server stayed unreachable";
            }

            await Task.Delay(retry);
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    private void NoteStarted(int slot)
    {
        lock (gate)
        {
            if (slotFreedAt[slot - 1] is { } freed)
            {
                turnarounds.Add((DateTimeOffset.UtcNow - freed).TotalMilliseconds);
            }
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken quit)
    {
        while (!quit.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(heartbeatEvery, quit);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await BeatAsync();
        }
    }

    /// <summary>
    /// One heartbeat: the server learns what runs here, and answers what to stop and the deadline of
    /// the rest (the drain may have moved one on). Also sent when a phase reaches its deadline
    /// (<paramref name="reaching"/>), to learn whether the drain moved it on (<c>--extend-on-progress</c>).
    /// </summary>
    private async Task<DeadlineVerdict?> BeatAsync(Running? reaching = null, bool giveUp = false)
    {
        var beat = new AgentBeat
        {
            Agent = server.Agent,
            Slots = slots,
            Machine = Environment.MachineName,
            Stopping = interrupts.Count > 0,
            Running = [.. running.Values.Where(r => !r.Ended).Select(r => new AgentRunning
            {
                SessionId = r.Work.SessionId,
                AttemptId = r.Work.AttemptId,
                DeadlineReached = r == reaching ? r.ServerDeadline : null,
                GiveUp = r == reaching && giveUp,
            })],
        };
        var (outcome, answer, why) = await server.HeartbeatAsync(beat, CancellationToken.None);
        if (outcome != AgentCallOutcome.Accepted || answer is null)
        {
            Unreachable(why);
            return null;
        }

        Reachable();
        foreach (var attempt in answer.Stop)
        {
            if (running.TryGetValue(attempt, out var r) && !r.Ended && !r.Stop.IsCancellationRequested)
            {
                stdout.WriteLine($"[slot {r.Slot}] {r.Work.RunId}/{r.Work.PhaseId}: the drain took it back: stopping it");
                r.StoppedBecause = "the drain took it back";
                await r.Stop.CancelAsync();
            }
        }

        var received = DateTimeOffset.UtcNow;
        var reached = reaching?.ServerDeadline;
        foreach (var (attempt, serverDeadline) in answer.Deadlines ?? new Dictionary<string, DateTimeOffset>())
        {
            if (running.TryGetValue(attempt, out var r) && !r.Ended && serverDeadline > r.ServerDeadline)
            {
                // On this machine's clock, as at the claim.
                r.ServerDeadline = serverDeadline;
                r.Deadline = received + (serverDeadline - (answer.ServerTime ?? received));
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[slot {r.Slot}] {r.Work.RunId}/{r.Work.PhaseId}: the drain moved its deadline on: now in {(r.Deadline - received).TotalSeconds:0}s"));
            }
        }

        // The verdict about the deadline the executor reached (the one it was given: moved on, it is later now).
        if (reaching is null || reached is not { } due)
        {
            return null;
        }

        if (reaching.ServerDeadline > due)
        {
            return new DeadlineVerdict(DeadlineVerdictKind.Moved, reaching.Deadline);
        }

        return answer.Kept is { } kept && kept.TryGetValue(reaching.Work.AttemptId, out var at) && at >= due
            ? DeadlineVerdict.Kept(reaching.Deadline)
            : new DeadlineVerdict(DeadlineVerdictKind.Undecided, reaching.Deadline);
    }

    private void Unreachable(string? why)
    {
        if (!unreachableSaid)
        {
            unreachableSaid = true;
            stderr.WriteLine($"drain agent: the server is unreachable ({why}); retrying, the running phases go on");
        }
    }

    private void Reachable()
    {
        if (unreachableSaid)
        {
            unreachableSaid = false;
            stderr.WriteLine("drain agent: the server answers again");
        }
    }

    private sealed class Running(AgentWorkItem work, int slot, CancellationTokenSource stop)
    {
        public AgentWorkItem Work => work;

        public int Slot => slot;

        public CancellationTokenSource Stop => stop;

        public Task Task { get; set; } = Task.CompletedTask;

        /// <summary>Its executor returned: only the report is left, nothing to stop.</summary>
        public bool Ended { get; set; }

        /// <summary>When its executor is killed, on this machine's clock (the drain may move it on).</summary>
        public DateTimeOffset Deadline { get; set; }

        /// <summary>The same deadline on the server's clock, as the drain moves it.</summary>
        public DateTimeOffset ServerDeadline { get; set; }

        /// <summary>Who stopped it, for the line that says so.</summary>
        public string? StoppedBecause { get; set; }
    }
}
