using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Api;

/// <summary>The activity context of a restore run outside an orchestration (a forced stop): the terminated instance's id.</summary>
internal sealed class ForcedStopContext(string instanceId) : TaskActivityContext
{
    public override TaskName Name { get; } = nameof(Activities.RestorePhase);

    public override string InstanceId { get; } = instanceId;
}
