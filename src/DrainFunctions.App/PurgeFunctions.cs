using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.App;

/// <summary>
/// The task hub's housekeeping, every hour whether scheduled drains are on or not (a fixed
/// schedule: no setting to forget in a deployment): ended drains' and previews' histories leave
/// the task hub, their records kept first (<see cref="DrainService.PurgeHistoryAsync"/>).
/// </summary>
public sealed partial class PurgeFunctions(BlobSessionStore sessions, DrainLockStore locks, ILogger<PurgeFunctions> logger)
{
    public const string Schedule = "0 17 * * * *";

    [Function("PurgeHistory")]
    public async Task Run([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var (instances, previews) = await new DrainService(client, sessions, locks).PurgeHistoryAsync(cancellationToken);
        LogPurged(logger, instances, previews);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "History purged: {Instances} ended instance(s), {Previews} old preview record(s)")]
    private static partial void LogPurged(ILogger logger, int instances, int previews);
}
