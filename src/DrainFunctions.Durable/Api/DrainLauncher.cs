using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A drain started (its session and instance), or refused because another drain holds the database
/// (<see cref="Busy"/>) or runs in the task hub (<see cref="Running"/>).
/// </summary>
public sealed record DrainLaunch(string? SessionId, string? InstanceId, DrainLockHolder? BusyWith, string? Busy)
{
    /// <summary>The drain found running in the task hub by the start's live-drain check.</summary>
    public LiveDrain? Running { get; init; }

    public bool Started => Busy is null && Running is null;
}

/// <summary>
/// Starts real drains (never previews) for every entry point: takes the database's drain lock,
/// claims a session id no other drain has, and schedules the orchestration with the lock's token.
/// The command line, the HTTP API and the timer all start drains here, so "one drain per database"
/// holds across processes, task hubs and machines. With <paramref name="firstSave"/> a new session's
/// first save (and its first selection) is made here, before the orchestration is scheduled; with
/// <paramref name="firstAttempt"/> too, the first phase's attempt is started here right after.
/// </summary>
public sealed class DrainLauncher(DurableTaskClient client, BlobSessionStore sessions, DrainLockStore locks, TimeProvider? clock = null, SaveSessionSnapshot? firstSave = null, FirstAttemptStarter? firstAttempt = null)
{
    private const int MaxSessionIdTries = 120;
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>
    /// A new session. <paramref name="instanceId"/> names the orchestration instance from the session
    /// id (null: the session id itself). <paramref name="liveDrain"/>: the task hub's check for a
    /// running drain, still under way; the lock, the session and its first save are made meanwhile
    /// (they need storage only), and a drain it finds wins: what was claimed is given back and
    /// nothing is scheduled.
    /// </summary>
    public async Task<DrainLaunch> StartAsync(DrainOptions options, PolicyState? state = null, Func<string, string>? instanceId = null, Task<LiveDrain?>? liveDrain = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var token = DrainLockStore.NewToken();
        var held = await locks.TryAcquireAsync(token, null, null, DrainLease.StartHold, cancellationToken);
        if (!held.Held)
        {
            return await RefusedAsync(held.Holder, liveDrain);
        }

        try
        {
            var now = TruncateToSecond(time.GetUtcNow());
            for (var i = 0; i < MaxSessionIdTries; i++)
            {
                var at = now.AddSeconds(i);
                var sessionId = SessionIds.FromStart(at);
                if (!await sessions.TryReserveAsync(new DrainSession { SessionId = sessionId, StartedAt = Iso8601.Format(at), BatchSize = options.BatchSize }, cancellationToken))
                {
                    continue;
                }

                // The id must not name an instance left in the task hub. That check, like the live
                // drain's, waits for the engine where it is still starting: the first save is made
                // meanwhile, and both answer before anything is scheduled.
                var id = instanceId?.Invoke(sessionId) ?? sessionId;
                var instance = client.GetInstanceAsync(id, cancellationToken);
                var input = new DrainOrchestrationInput { Options = options with { DryRun = false }, SessionId = sessionId, StartedAt = at, State = state ?? new PolicyState(), LockToken = token, SharedTimers = true, StartNextInCall = firstAttempt is not null };
                input = input with { FirstSave = await TryFirstSaveAsync(input, sessionId, at, id) };
                if (input.FirstSave?.Lock is null)
                {
                    // The first save did not name the session and instance in the lock (it failed, or a
                    // parallel drain's first save renews nothing): the start's short hold does.
                    await locks.RenewAsync(token, sessionId, id, DrainLease.StartHold, cancellationToken);
                }

                bool taken;
                LiveDrain? running;
                try
                {
                    taken = await instance is not null;
                    running = taken ? null : await FoundRunningAsync(liveDrain);
                }
                catch
                {
                    // Unknown whether the drain may start: what was claimed for it is given back.
                    await sessions.WithdrawAsync(sessionId, CancellationToken.None);
                    throw;
                }

                if (running is not null || taken)
                {
                    await sessions.WithdrawAsync(sessionId, CancellationToken.None);
                }

                if (running is not null)
                {
                    await locks.ReleaseAsync(token, CancellationToken.None);
                    return Running(running);
                }

                if (taken)
                {
                    // A first save that found nothing to pick let the lock go: taken again for the next id.
                    held = await locks.TryAcquireAsync(token, null, null, DrainLease.StartHold, cancellationToken);
                    if (!held.Held)
                    {
                        return await RefusedAsync(held.Holder, liveDrain);
                    }

                    continue;
                }

                return await ScheduleAsync(input, token, sessionId, id, cancellationToken);
            }

            throw new InvalidOperationException($"no free session id in the {MaxSessionIdTries} seconds from {now:u}");
        }
        catch
        {
            await locks.ReleaseAsync(token, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// Schedules the drain, and starts its first attempt here when this starter runs it: reserved
    /// before the drain is scheduled (its executor call, however early, takes the run over), started
    /// once it exists (whatever happens next, its orchestration runs this attempt, and adopts it
    /// after a crash).
    /// </summary>
    private async Task<DrainLaunch> ScheduleAsync(DrainOrchestrationInput input, string token, string sessionId, string id, CancellationToken cancellationToken)
    {
        var first = FirstAttemptOf(input, token, sessionId);
        var reserved = first is null ? null : firstAttempt!.Reserve(first);
        input = input with { FirstAttempt = first is null ? null : new PrestartedAttempt(first.AttemptId, first.Deadline) };
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input, new StartOrchestrationOptions(id), cancellationToken);
        }
        catch when (reserved is not null)
        {
            firstAttempt!.Withdraw(reserved);
            throw;
        }

        if (reserved is not null)
        {
            FirstAttemptStarter.Start(reserved, id);
        }

        return new DrainLaunch(sessionId, id, null, null);
    }

    /// <summary>
    /// The executor call of the first phase as the orchestration will make it (the first slot's
    /// attempt, ordinal 0), when this starter starts it: a sequential drain whose first save here
    /// picked a phase under the lock, without progress-aware timeouts (their deadline moves). Null
    /// otherwise.
    /// </summary>
    private RunPhaseExecutorInput? FirstAttemptOf(DrainOrchestrationInput input, string token, string sessionId)
    {
        var options = input.Options!;
        if (firstAttempt is null || input.FirstSave is not { Lock.Held: true, Selection.Selected: { } phase } || options.ParallelSlots() != 1 || options.ExtendOnProgress)
        {
            return null;
        }

        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(options.PhaseTimeoutSeconds);
        return RunPhaseExecutorInput.For(sessionId, AttemptIds.For(token, sessionId, 0, phase.Key), phase, deadline, TimeSpan.FromSeconds(Math.Max(0, input.GraceSeconds)), options.PhaseTimeoutSeconds, mayExtend: false, telemetryRunId: null, options.SlotFor(1));
    }

    /// <summary>An incomplete session continued under <paramref name="instanceId"/>, with <paramref name="options"/> (its batch size already decided).</summary>
    public async Task<DrainLaunch> ResumeAsync(DrainSession session, DrainOptions options, string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        var token = DrainLockStore.NewToken();
        var held = await locks.TryAcquireAsync(token, session.SessionId, instanceId, DrainLease.StartHold, cancellationToken);
        if (!held.Held)
        {
            return Refused(held.Holder);
        }

        try
        {
            session.State.RebuildDerived(session.Results);
            var input = new DrainOrchestrationInput
            {
                Options = options with { DryRun = false },
                SessionId = session.SessionId,
                StartedAt = Iso8601.TryParse(session.StartedAt, out var s) ? s : time.GetUtcNow(),
                State = session.State,
                Generation = 1,
                LockToken = token,
                SharedTimers = true,
                StartNextInCall = firstAttempt is not null,
            };
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input, new StartOrchestrationOptions(instanceId), cancellationToken);
            return new DrainLaunch(session.SessionId, instanceId, null, null);
        }
        catch
        {
            await locks.ReleaseAsync(token, CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// The first save, the orchestration's first activity, made here: the first phase starts one
    /// round trip through the task hub sooner. A save that fails here (database or storage away) is
    /// left to the orchestration, which waits out an outage and says what failed; a save repeated
    /// there writes the same header.
    /// </summary>
    private async Task<SaveSessionSnapshotOutput?> TryFirstSaveAsync(DrainOrchestrationInput input, string sessionId, DateTimeOffset startedAt, string instanceId)
    {
        if (firstSave is null)
        {
            return null;
        }

        try
        {
            return await firstSave.SaveAsync(SaveSessionSnapshotInput.First(input, sessionId, startedAt, instanceId, time.GetUtcNow(), cancelMode: null));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static async Task<LiveDrain?> FoundRunningAsync(Task<LiveDrain?>? liveDrain) => liveDrain is null ? null : await liveDrain;

    /// <summary>Refused: the lock is held. As when the check came first, a drain running in the task hub is named as running, not as the lock's holder.</summary>
    private async Task<DrainLaunch> RefusedAsync(DrainLockHolder? holder, Task<LiveDrain?>? liveDrain) =>
        await FoundRunningAsync(liveDrain) is { } running ? Running(running) : Refused(holder);

    private static DrainLaunch Running(LiveDrain running) => new(running.SessionId, running.InstanceId, null, null) { Running = running };

    private DrainLaunch Refused(DrainLockHolder? holder) =>
        new(holder?.SessionId, holder?.InstanceId, holder, holder?.Describe(locks.Backlog.Canonical) ?? $"another drain holds database {locks.Backlog.Canonical}");

    private static DateTimeOffset TruncateToSecond(DateTimeOffset value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
