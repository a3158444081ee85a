using DrainFunctions.Durable.Api;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The drain service as the commands reach it: on the local task hub (<see cref="LocalDrainControl"/>)
/// or over the HTTP API (<see cref="HttpDrainControl"/>), with the same answers either way.
/// </summary>
public interface IDrainControl : IAsyncDisposable
{
    /// <summary>The drain of the session; null when there is no such session.</summary>
    Task<DrainView?> StatusAsync(string sessionId, CancellationToken cancellationToken = default);

    Task<DrainCancel> CancelAsync(string sessionId, bool now, CancellationToken cancellationToken = default);

    /// <summary>A phase's log from byte offsets; null when the session has no log of the phase and the phase is not running.</summary>
    Task<PhaseLog?> ReadLogAsync(string sessionId, string runId, string phaseId, long stdoutFrom, long stderrFrom, CancellationToken cancellationToken = default);
}
