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
        return new ReleaseDrainLockOutput(await locks.ReleaseAsync(input.Token));
    }
}
