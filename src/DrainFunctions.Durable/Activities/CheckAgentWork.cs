using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Activities;

/// <summary>
/// The drain's periodic look at an attempt handed to the agents: a claim or result whose event
/// never arrived is found here, and a claimed attempt whose agent went silent past the heartbeat
/// timeout is declared lost (<see cref="AgentBroker.CheckAsync"/>).
/// </summary>
public sealed class CheckAgentWork(AgentBroker broker, BlobSessionStore blobs) : TaskActivity<CheckAgentWorkInput, CheckAgentWorkOutput>
{
    public override Task<CheckAgentWorkOutput> RunAsync(TaskActivityContext context, CheckAgentWorkInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Outage.GuardAsync($"checking attempt {input.AttemptId} on the agents", blobs.Container.Uri, async () =>
        {
            using var span = DrainSpans.StartStep(DrainTelemetry.Spans.CheckAgent, input.SessionId, input.AttemptId);
            var record = await broker.CheckAsync(input.SessionId, input.AttemptId);
            var assignment = record?.Assignment;
            span?.SetTag(DrainTelemetry.Attributes.Agent, assignment?.Agent);
            return new CheckAgentWorkOutput
            {
                State = assignment?.State ?? Core.Agents.AgentWorkStates.Lost,
                Agent = assignment?.Agent,
                Deadline = assignment?.ClaimedAt is null ? null : record!.Deadline,
                Result = assignment?.Result,
                ClosedBecause = assignment is null ? $"the marker of attempt {input.AttemptId} is gone" : assignment.ClosedBecause,
            };
        });
    }
}
