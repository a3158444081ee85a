using DrainFunctions.Core.Agents;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Durable.Activities;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The race of an attempt handed to the agents (executor kind <c>agent</c>): the agent pool's
/// events (claimed, then reported) against the phase timer (armed at the claim: the deadline the
/// agent got, plus grace), the budget, a cancel, and a periodic <see cref="CheckAgentWork"/> that
/// finds events that never came and agents that went silent (lost). Deterministic: every fact
/// comes from an event, a timer or an activity.
/// </summary>
internal sealed class AgentAttemptWait(TaskOrchestrationContext context, PhaseAttemptSettings settings, StorageCalls calls, CancelWatch cancel, ProgressWatch progress, long? runEventsBefore)
{
    private DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>The agent that claimed the attempt, once one did.</summary>
    public string? Agent { get; private set; }

    /// <summary>What the agent reported, when it did.</summary>
    public RunPhaseExecutorOutput? Output { get; private set; }

    public async Task<PhaseRaceEnd> RunAsync(string phaseKey, string attemptId, TimeSpan heartbeatTimeout, Task? budgetTimer, CancellationToken timers)
    {
        var grace = TimeSpan.FromSeconds(Math.Max(0, settings.GraceSeconds));
        var checkEvery = AgentHeartbeats.CheckInterval(heartbeatTimeout);
        var name = AgentWorkEvent.NameFor(attemptId);
        var work = context.WaitForExternalEvent<AgentWorkEvent>(name, timers);
        var check = context.CreateTimer((Now + checkEvery).UtcDateTime, timers);
        DateTimeOffset? authority = null;
        Task? phaseTimer = null;
        var saidWaiting = false;

        void Claimed(string? agent, DateTimeOffset? deadline)
        {
            Agent ??= agent;
            if (authority is null && deadline is { } d)
            {
                authority = d + grace;
                phaseTimer = context.CreateTimer(authority.Value.UtcDateTime, timers);
                progress.Start(d - TimeSpan.FromSeconds(settings.Options.PhaseTimeoutSeconds), runEventsBefore, timers);
                calls.Line(ProgressLines.AgentClaimed(phaseKey, Agent ?? "?", (d - Now).TotalSeconds));
            }
        }

        for (var round = 0; round < StorageCalls.MaxRounds; round++)
        {
            var race = new List<Task> { work, check };
            if (phaseTimer is not null)
            {
                race.Add(phaseTimer);
            }

            if (progress.Timer is { } look && authority is not null)
            {
                race.Add(look);
            }

            if (budgetTimer is not null)
            {
                race.Add(budgetTimer);
            }

            var cancelEvent = cancel.NowRequested ? null : cancel.Event;
            if (cancelEvent is not null)
            {
                race.Add(cancelEvent);
            }

            var winner = await Task.WhenAny(race);
            if (winner == work)
            {
                var said = await work;
                if (said.Kind == AgentWorkEvent.Reported && said.Result is { } result)
                {
                    return Reported(said.Agent, result);
                }

                Claimed(said.Agent, said.Deadline);
                work = context.WaitForExternalEvent<AgentWorkEvent>(name, timers);
                continue;
            }

            if (winner == check)
            {
                var seen = await calls.CallAsync<CheckAgentWorkOutput>(nameof(CheckAgentWork), new CheckAgentWorkInput(settings.SessionId, attemptId));
                switch (seen.State)
                {
                    case AgentWorkStates.Reported when seen.Result is { } result:
                        return Reported(seen.Agent, result);
                    case AgentWorkStates.Lost or AgentWorkStates.Withdrawn or AgentWorkStates.Reported:
                        Agent ??= seen.Agent;
                        return new PhaseRaceEnd(PhaseRaceWinner.AgentLost, Failure: seen.ClosedBecause ?? $"the agents' record of the attempt says {seen.State}");
                    case AgentWorkStates.Claimed:
                        Claimed(seen.Agent, seen.Deadline);
                        break;
                    default:
                        if (!saidWaiting)
                        {
                            saidWaiting = true;
                            calls.Line(ProgressLines.AgentWaiting(phaseKey));
                        }

                        break;
                }

                check = context.CreateTimer((Now + checkEvery).UtcDateTime, timers);
                continue;
            }

            if (winner == progress.Timer && authority is not null)
            {
                // The agent learns the new deadline from the marker, through its heartbeat.
                if (await progress.CheckAsync(timers) is { } moved)
                {
                    authority = moved + grace;
                    phaseTimer = context.CreateTimer(authority.Value.UtcDateTime, timers);
                }

                continue;
            }

            if (winner == phaseTimer && authority is { } due)
            {
                // A timer may fire up to a second early (Azure Storage): wait until the deadline really passed.
                if (Now >= due)
                {
                    return new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
                }

                phaseTimer = context.CreateTimer(due.UtcDateTime, timers);
                continue;
            }

            if (winner == budgetTimer && settings.BudgetDeadline is { } budget)
            {
                if (Now >= budget)
                {
                    return new PhaseRaceEnd(PhaseRaceWinner.BudgetDeadline);
                }

                budgetTimer = context.CreateTimer(budget.UtcDateTime, timers);
                continue;
            }

            if (winner == cancelEvent && cancel.Received(cancelEvent).IsNow)
            {
                return new PhaseRaceEnd(PhaseRaceWinner.CancelNow);
            }
        }

        return new PhaseRaceEnd(PhaseRaceWinner.PhaseTimer);
    }

    private PhaseRaceEnd Reported(string? agent, RunPhaseExecutorOutput result)
    {
        Agent ??= agent ?? result.Agent;
        Output = result;
        return new PhaseRaceEnd(PhaseRaceWinner.ExecutorReported, ExecutorReports.From(result));
    }
}
