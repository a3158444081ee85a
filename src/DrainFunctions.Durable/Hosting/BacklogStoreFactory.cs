using DrainFunctions.Core.Ports;

namespace DrainFunctions.Durable.Hosting;

/// <summary>Opens the backlog store for one activity call; the caller disposes it.</summary>
public interface IBacklogStoreFactory
{
    Task<IBacklogStore> OpenAsync(CancellationToken cancellationToken = default);
}

/// <summary>A factory from a delegate (e.g. <c>ct =&gt; BacklogStores.OpenAsync(DatabaseUrl.Parse(url), ct)</c>).</summary>
public sealed class DelegateBacklogStoreFactory(Func<CancellationToken, Task<IBacklogStore>> open) : IBacklogStoreFactory
{
    public Task<IBacklogStore> OpenAsync(CancellationToken cancellationToken = default) => open(cancellationToken);
}
