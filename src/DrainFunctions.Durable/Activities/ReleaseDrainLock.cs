using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Activities;

/// <summary>Lets the database's drain lock go at the end of a drain, so the next one starts at once.</summary>
public sealed class ReleaseDrainLock(DrainLockStore locks) : TaskActivity<ReleaseDrainLockInput, ReleaseDrainLockOutput>
{
    public override async Task<ReleaseDrainLockOutput> RunAsync(TaskActivityContext context, ReleaseDrainLockInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ReleaseDrainLockOutput(await Outage.GuardAsync("releasing the drain lock", locks.ContainerUri, () => locks.ReleaseAsync(input.Token)));
    }
}
