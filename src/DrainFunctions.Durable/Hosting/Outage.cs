using Azure;
using DrainFunctions.Core.Ports;
using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Tells an outage (the database or storage unreachable: worth waiting for) from a failure for
/// good, and names what failed. Activities turn outages into exactly
/// <see cref="DependencyUnavailableException"/>, which the orchestrator recognizes by its type
/// name and answers with durable timers instead of failing.
/// </summary>
public static class Outage
{
    /// <summary>The failure type name the orchestrator waits on.</summary>
    public static readonly string ErrorType = typeof(DependencyUnavailableException).FullName!;

    /// <summary>An activity's failure that means "unreachable for now".</summary>
    public static bool IsOutage(TaskFailedException failure) =>
        failure?.FailureDetails is { } details && (details.ErrorType == ErrorType || details.InnerFailure?.ErrorType == ErrorType);

    /// <summary>
    /// Runs an activity's body; an unreachable database or storage comes out as
    /// <see cref="DependencyUnavailableException"/> whose message says what was unreachable and what was being done.
    /// </summary>
    public static async Task<T> GuardAsync<T>(string doing, Uri? storage, Func<Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (DependencyUnavailableException ex) when (ex.GetType() != typeof(DependencyUnavailableException))
        {
            // e.g. the database's own exception: the same message, the one type the orchestrator knows.
            throw new DependencyUnavailableException(ex.Message, ex);
        }
        catch (Exception ex) when (IsStorageUnreachable(ex))
        {
            throw new DependencyUnavailableException($"Storage {Endpoint(storage)} is unreachable: {doing} failed ({Describe(ex)})", ex);
        }
    }

    /// <summary>
    /// No answer, or an answer that says "try later" (408, 429, 5xx), from the storage service.
    /// Only failures of a request count: a local I/O error (a missing file) is not an outage.
    /// </summary>
    public static bool IsStorageUnreachable(Exception exception) => exception switch
    {
        RequestFailedException rf => rf.Status is 0 or 408 or 429 or >= 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsStorageUnreachable),
        HttpRequestException => true,

        // The SDK's network timeout: a cancellation caused by a timeout, not by a caller.
        OperationCanceledException oce => oce.InnerException is TimeoutException,
        _ => false,
    };

    /// <summary>One line about what went wrong, without the SDK's multi-line details.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var e = exception;
        while (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            e = aggregate.InnerExceptions[^1];
        }

        var text = e switch
        {
            RequestFailedException { Status: 0 } rf when rf.InnerException is { } inner => inner.Message,
            RequestFailedException rf => $"{rf.Status} {rf.ErrorCode}: {FirstLine(rf.Message)}",
            _ when e.InnerException is { } inner && e is HttpRequestException => $"{e.Message} ({inner.Message})",
            _ => e.Message,
        };
        text = FirstLine(text);
        return string.IsNullOrWhiteSpace(text) ? e.GetType().Name : text;
    }

    /// <summary>The endpoint without its query (a SAS token stays out of messages).</summary>
    public static string Endpoint(Uri? uri) => uri is null ? "(storage)" : uri.GetLeftPart(UriPartial.Path);

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }
}
