using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.App;

/// <summary>The scheduled drain: NCRONTAB from <c>DRAIN_SCHEDULE</c>, on only when <c>DRAIN_SCHEDULE_ENABLED</c> is true.</summary>
public sealed partial class TimerFunctions(DrainOptions options, BlobSessionStore sessions, BlobLedgerStore ledger, DrainLockStore locks, IBacklogStoreFactory backlog, IConfiguration configuration, ILogger<TimerFunctions> logger)
{
    [Function("ScheduledDrain")]
    public async Task Run([TimerTrigger("%DRAIN_SCHEDULE%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var enabled = bool.TryParse(configuration["DRAIN_SCHEDULE_ENABLED"], out var on) && on;
        var tick = await new ScheduledDrain(new DrainService(client, sessions, locks, firstSave: new SaveSessionSnapshot(sessions, ledger, backlog, locks)), options).TickAsync(enabled, cancellationToken);
        switch (tick.Outcome)
        {
            case TickOutcome.Started:
                LogStarted(logger, tick.SessionId, tick.InstanceId);
                break;
            case TickOutcome.Disabled:
                LogDisabled(logger);
                break;
            default:
                LogSkipped(logger, tick.Outcome.ToString(), tick.SessionId, tick.InstanceId);
                break;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Scheduled drain started: session {SessionId}, instance {InstanceId}")]
    private static partial void LogStarted(ILogger logger, string? sessionId, string? instanceId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Scheduled drain tick skipped ({Reason}): session {SessionId} (instance {InstanceId}) is still running")]
    private static partial void LogSkipped(ILogger logger, string reason, string? sessionId, string? instanceId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Scheduled drain tick ignored: DRAIN_SCHEDULE_ENABLED is not true")]
    private static partial void LogDisabled(ILogger logger);
}
