using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Local;

/// <summary>What a dry run does instead of starting the local durable host, for <c>--log-level information</c>.</summary>
internal static partial class PreviewLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Dry run computed in-process: no durable host started; ledger {Ledger}")]
    public static partial void InProcess(ILogger logger, string ledger);
}
