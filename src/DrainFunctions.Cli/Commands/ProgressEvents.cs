using DrainFunctions.Cli.Parsing;
using DrainFunctions.Durable.Telemetry;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The progress lines a status follower prints, also written as structured log events
/// (<see cref="DrainLogs.ProgressLine"/>), and from the first of them on the session's logging scope
/// around what the follower logs, until disposed. Nothing is built when logs are off.
/// </summary>
internal sealed class ProgressEvents : IDisposable
{
    private readonly ILogger logger = CliLogging.Current.CreateLogger(DrainLogs.ProgressCategory);
    private IDisposable? scope;
    private bool scoped;

    public void Line(string? sessionId, long sequence, string text)
    {
        if (string.IsNullOrEmpty(sessionId) || !logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        if (!scoped)
        {
            scoped = true;
            scope = DrainLogs.BeginSession(logger, sessionId);
        }

        DrainLogs.ProgressLine(logger, sessionId, sequence, text);
    }

    public void Dispose() => scope?.Dispose();
}
