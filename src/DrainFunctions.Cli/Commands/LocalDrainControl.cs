using DrainFunctions.Cli.Local;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The drain service on the local task hub of DATABASE_URL's database, connected without a worker:
/// reading or signalling a drain never runs any of its work.
/// </summary>
public sealed class LocalDrainControl : IDrainControl
{
    private readonly LocalDrainHost host;

    private LocalDrainControl(LocalDrainHost host) => this.host = host;

    /// <summary>Connected to DATABASE_URL's task hub; null (the reason printed) when DATABASE_URL is missing or wrong.</summary>
    public static async Task<LocalDrainControl?> ConnectAsync(TextWriter stderr)
    {
        if (!DatabaseEnvironment.TryRead(stderr, out var database))
        {
            return null;
        }

        return new LocalDrainControl(await LocalDrainHost.ConnectAsync(LocalEnvironment.FromProcess(database.Backlog), database, stderr));
    }

    public DrainService Drains => host.Drains;

    public Task<DrainView?> StatusAsync(string sessionId, CancellationToken cancellationToken = default) => Drains.StatusAsync(sessionId, cancellationToken);

    public Task<DrainCancel> CancelAsync(string sessionId, bool now, CancellationToken cancellationToken = default) => Drains.CancelAsync(sessionId, now, cancellationToken);

    public Task<PhaseLog?> ReadLogAsync(string sessionId, string runId, string phaseId, long stdoutFrom, long stderrFrom, CancellationToken cancellationToken = default) =>
        Drains.ReadLogAsync(sessionId, runId, phaseId, stdoutFrom, stderrFrom, cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
