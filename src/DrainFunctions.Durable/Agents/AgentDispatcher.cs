using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Agents;

/// <summary>
/// The executor step for executor kind <c>agent</c>: writes the attempt marker as queued work and
/// puts a pointer to it on the agents' queue; the phase stays FAILED until an agent claims it
/// (<see cref="AgentBroker"/>). A redelivered call finds the marker and only queues the pointer
/// again while nobody claimed it: the claim is decided on the marker, so a duplicate is harmless.
/// </summary>
public sealed class AgentDispatcher(BlobSessionStore blobs, AgentWorkLine queue, AgentWorkSignal signal, IOptions<AgentOptions> options, TimeProvider clock, ILogger<AgentDispatcher> logger)
{
    public async Task<RunPhaseExecutorOutput> DispatchAsync(string instanceId, RunPhaseExecutorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fresh = new AttemptRecord
        {
            AttemptId = input.AttemptId,
            SessionId = input.SessionId,
            InstanceId = instanceId,
            RunId = input.Phase.RunId,
            PhaseId = input.Phase.PhaseId,
            Stage = AttemptStages.Marked,
            Deadline = input.Deadline,
            TimeoutSeconds = input.TimeoutSeconds,
            Assignment = new AgentAssignment
            {
                PhaseIndex = input.Phase.PhaseIndex,
                Slot = input.Slot,
                QueuedAt = clock.GetUtcNow(),
                GraceSeconds = input.SettleBy is { } by ? Math.Max(0, (by - input.Deadline).TotalSeconds) : 0,
                MayExtend = input.MayExtend,
                TelemetryRunId = input.TelemetryRunId,
                LastFailureReason = input.Phase.LastFailureReason,
            },
        };

        var record = await blobs.TryCreateAttemptAsync(fresh) ? fresh : await blobs.ReadAttemptAsync(input.SessionId, input.AttemptId) ?? fresh;
        if (record.Assignment is not { } assignment)
        {
            throw new InvalidOperationException($"attempt {input.AttemptId} was begun by this host's own executor; it is not handed to the agents (was Executor:Kind changed during the drain?)");
        }

        if (assignment.State == Core.Agents.AgentWorkStates.Queued)
        {
            await queue.SendAsync(new AgentWorkMessage(input.SessionId, input.AttemptId));
            signal.Pulse();
            AgentLog.Queued(logger, input.AttemptId, input.Phase.RunId, input.Phase.PhaseId);
        }

        return new RunPhaseExecutorOutput
        {
            Status = PhaseRunStatus.Dispatched,
            HeartbeatTimeoutSeconds = options.Value.HeartbeatTimeout.TotalSeconds,
        };
    }
}
