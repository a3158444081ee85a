using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Selection;
using DrainFunctions.Durable.Activities;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The progress-aware timeout of one attempt (<c>--extend-on-progress</c>), on the orchestration's
/// side: a durable timer shortly before the deadline (<see cref="ProgressExtensions.NextCheck"/>),
/// the look (<see cref="CheckPhaseProgress"/>, which also moves the executor's own deadline), the
/// extensions granted, the progress lines. The phase timer stays the authority: its owner re-arms it
/// at the deadline <see cref="CheckAsync"/> returns. Deterministic: every fact comes from a timer or
/// an activity's recorded output.
/// </summary>
internal sealed class ProgressWatch(TaskOrchestrationContext context, PhaseAttemptSettings settings, StorageCalls calls, PhaseCandidate phase, string attemptId)
{
    private readonly List<PhaseExtension> extensions = [];
    private DateTimeOffset startedAt;
    private ProgressMarks marks;
    private DateTimeOffset checkAt;
    private DateTimeOffset windowAt;
    private bool marksTaken;

    private int BaseTimeoutSeconds => settings.Options.PhaseTimeoutSeconds;

    private int LongestSeconds => settings.Options.LongestPhaseSeconds();

    /// <summary>Whether the attempt's timeout can grow at all.</summary>
    public bool Enabled => settings.Options.ExtendOnProgress && LongestSeconds > BaseTimeoutSeconds;

    /// <summary>The timer of the next look; null when none is due (off, at the maximum, not started).</summary>
    public Task? Timer { get; private set; }

    /// <summary>The timeout in force: the base one, or the last extension's.</summary>
    public int TimeoutSeconds { get; private set; } = settings.Options.PhaseTimeoutSeconds;

    /// <summary>The extensions granted so far, for the result; null when none.</summary>
    public IReadOnlyList<PhaseExtension>? Extensions => extensions.Count > 0 ? [.. extensions] : null;

    /// <summary>The attempt's time starts (again, after a retried start): its first look is armed.</summary>
    /// <param name="at">When its deadline was counted from.</param>
    /// <param name="runEvents">The telemetry rows of its run at the start.</param>
    /// <param name="timers">Cancels the timer with the race's others.</param>
    public void Start(DateTimeOffset at, long? runEvents, CancellationToken timers)
    {
        startedAt = at;
        marks = new ProgressMarks(runEvents, 0);
        TimeoutSeconds = BaseTimeoutSeconds;
        extensions.Clear();
        Arm(timers);
    }

    /// <summary>
    /// The timer fired: when the window before the look opens, the marks are taken (nothing is
    /// decided); at the look, the decision. Returns the new deadline (without grace) when the
    /// attempt earned one.
    /// </summary>
    public async Task<DateTimeOffset?> CheckAsync(CancellationToken timers)
    {
        // A timer may fire up to a second early (Azure Storage): a look too early sees too little.
        var due = marksTaken ? checkAt : windowAt;
        if (context.CurrentUtcDateTime < due.UtcDateTime)
        {
            Timer = context.CreateTimer(due.UtcDateTime, timers);
            return null;
        }

        Timer = null;
        var seen = await calls.CallAsync<CheckPhaseProgressOutput>(nameof(CheckPhaseProgress), new CheckPhaseProgressInput
        {
            SessionId = settings.SessionId,
            AttemptId = attemptId,
            RunId = phase.RunId,
            PhaseId = phase.PhaseId,
            StartedAt = startedAt,
            BaseTimeoutSeconds = BaseTimeoutSeconds,
            TimeoutSeconds = TimeoutSeconds,
            LongestSeconds = LongestSeconds,
            Last = marks,
            MarksOnly = !marksTaken,
        });
        marks = seen.Marks;
        if (!marksTaken)
        {
            marksTaken = true;
            Timer = context.CreateTimer(checkAt.UtcDateTime, timers);
            return null;
        }

        if (seen.Extension is not { } extension)
        {
            return null;
        }

        extensions.Add(extension);
        TimeoutSeconds = extension.TimeoutSeconds;
        calls.Line(ProgressExtensions.Line(extension));
        Arm(timers);
        return startedAt + TimeSpan.FromSeconds(extension.TimeoutSeconds);
    }

    /// <summary>Arms the next look: its window's opening first (the marks), unless it opens at the attempt's start (the marks of the start).</summary>
    private void Arm(CancellationToken timers)
    {
        Timer = null;
        if (Enabled && ProgressExtensions.NextCheck(startedAt, TimeoutSeconds, BaseTimeoutSeconds, LongestSeconds) is { } at)
        {
            checkAt = at;
            windowAt = ProgressExtensions.WindowStart(startedAt, at, BaseTimeoutSeconds);
            marksTaken = windowAt <= startedAt && extensions.Count == 0;
            Timer = context.CreateTimer((marksTaken ? checkAt : windowAt).UtcDateTime, timers);
        }
    }
}
