using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Activities;

/// <summary>Lets the database's drain lock go at the end of a drain, so the next one starts at once.</summary>
public sealed class ReleaseDrainLock(DrainLockStore locks) : TaskActivity<ReleaseDrainLockInput, ReleaseDrainLockOutput>
{
    public override Task<ReleaseDrainLockOutput> RunAsync(TaskActivityContext context, ReleaseDrainLockInput input) => ReleaseAsync(input);

    /// <summary>The release, also made by <see cref="SaveSessionSnapshot"/> when the drain ends after its save.</summary>
    public async Task<ReleaseDrainLockOutput> ReleaseAsync(ReleaseDrainLockInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ReleaseDrainLockOutput(await Outage.GuardAsync("releasing the drain lock", locks.ContainerUri, () => locks.ReleaseAsync(input.Token)));
    }
}
