using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Activities;

/// <summary>Keeps the database's drain lock while the drain lives; says so when another drain took it over.</summary>
public sealed class RenewDrainLock(DrainLockStore locks) : TaskActivity<RenewDrainLockInput, RenewDrainLockOutput>
{
    public override Task<RenewDrainLockOutput> RunAsync(TaskActivityContext context, RenewDrainLockInput input) => RenewAsync(input);

    /// <summary>The renewal, also made by <see cref="SaveSessionSnapshot"/> right after a save.</summary>
    public async Task<RenewDrainLockOutput> RenewAsync(RenewDrainLockInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outcome = await Outage.GuardAsync("renewing the drain lock", locks.ContainerUri,
            () => locks.RenewAsync(input.Token, input.SessionId, input.InstanceId, TimeSpan.FromSeconds(input.TtlSeconds)));
        return outcome.Held
            ? new RenewDrainLockOutput(true, outcome.Holder?.ExpiresAt, null)
            : new RenewDrainLockOutput(false, null, outcome.Holder?.Describe(locks.Backlog.Canonical) ?? $"another drain holds database {locks.Backlog.Canonical}");
    }
}
