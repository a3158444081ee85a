using System.Globalization;
using DrainFunctions.Durable.Hosting;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// Calls the activities that touch only the database or storage, for the loop and the phase
/// attempt alike. A failure for good is retried a few times, then stops the drain with a message
/// naming what failed; an outage (unreachable database or storage) pauses the drain on durable
/// timers, with a progress line, until it ends or lasts longer than the tolerance.
/// </summary>
/// <param name="context">The orchestration's context.</param>
/// <param name="log">Where the wait and resume lines go.</param>
/// <param name="progressed">Publishes the status after a line was added.</param>
/// <param name="outageToleranceMinutes">See <see cref="DrainOrchestrationInput.OutageToleranceMinutes"/>.</param>
internal sealed class StorageCalls(TaskOrchestrationContext context, LineLog log, Action progressed, double outageToleranceMinutes)
{
    /// <summary>Bounds every wait loop: the tolerance ends any outage long before this many waits.</summary>
    public const int MaxRounds = 10_000;

    public static readonly TimeSpan FirstOutageDelay = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan MaxOutageDelay = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Quick retries for the activities that only touch the database or storage (not the
    /// executor); an outage is then waited out by the orchestrator's own durable backoff.
    /// </summary>
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromSeconds(15)));

    private DateTimeOffset Now => new(context.CurrentUtcDateTime, TimeSpan.Zero);

    public static TimeSpan NextOutageDelay(TimeSpan delay) => delay * 2 > MaxOutageDelay ? MaxOutageDelay : delay * 2;

    public static string Describe(string activity, TaskFailedException ex)
    {
        var details = ex.FailureDetails;
        var message = string.IsNullOrWhiteSpace(details?.ErrorMessage) ? ex.Message : details.ErrorMessage;
        return $"{activity} failed: {details?.ErrorType ?? "error"}: {message}";
    }

    public async Task<T> CallAsync<T>(string activity, object activityInput)
    {
        DateTimeOffset? outageSince = null;
        var delay = FirstOutageDelay;
        for (var attempt = 0; attempt < MaxRounds; attempt++)
        {
            try
            {
                var result = await context.CallActivityAsync<T>(activity, activityInput, Retry);
                if (outageSince is not null)
                {
                    log.Add(string.Create(CultureInfo.InvariantCulture, $"  [RESUMED] reachable again after {(Now - outageSince.Value).TotalSeconds:0}s"));
                    progressed();
                }

                return result;
            }
            catch (TaskFailedException ex) when (Outage.IsOutage(ex))
            {
                if (OutageTooLong(ref outageSince))
                {
                    throw new DrainStoppedException(string.Create(CultureInfo.InvariantCulture,
                        $"{ex.FailureDetails.ErrorMessage} - still unreachable after {outageToleranceMinutes:0.##} minutes of retries; the drain stopped (resume it with --resume)"));
                }

                WaitLine(ex.FailureDetails.ErrorMessage, delay);
                await context.CreateTimer((Now + delay).UtcDateTime, CancellationToken.None);
                delay = NextOutageDelay(delay);
            }
            catch (TaskFailedException ex)
            {
                throw new DrainStoppedException(Describe(activity, ex));
            }
        }

        throw new DrainStoppedException($"{activity}: the database or storage kept failing; the drain stopped (resume it with --resume)");
    }

    /// <summary>True when the outage that started at <paramref name="since"/> (now, if it is new) outlasted the tolerance.</summary>
    public bool OutageTooLong(ref DateTimeOffset? since)
    {
        since ??= Now;
        return (Now - since.Value).TotalMinutes >= outageToleranceMinutes;
    }

    /// <summary>A progress line about the step in flight, published at once.</summary>
    public void Line(string line)
    {
        log.Add(line);
        progressed();
    }

    public void WaitLine(string message, TimeSpan delay)
    {
        log.Add(string.Create(CultureInfo.InvariantCulture, $"  [WAIT] {message}; retrying in {delay.TotalSeconds:0}s"));
        progressed();
    }
}
