using System.Globalization;
using System.Text.Json;
using Azure;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Hosting;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// What a request that failed outside its handler's own answers becomes: a problem+json body like
/// the API's 400s, never the host's bare 500. Something that did not answer (storage, the database,
/// the durable backend, over gRPC or in process) is a 503 with <c>Retry-After</c>; a stored document that does not
/// parse, or anything else, a 500. The detail says what failed in one line, without secrets
/// (<see cref="Outage.Describe"/>: no SAS query, passwords masked by the stores' own messages).
/// The Function App's worker middleware and <c>drain serve</c> both answer with it.
/// </summary>
public static class ApiFailures
{
    public const int RetryAfterSeconds = 10;

    // Durable references no gRPC package (the hosts bring it, at their own versions), so the
    // durable backend's RpcException is known by its name and its public StatusCode.
    private const string RpcExceptionType = "Grpc.Core.RpcException";
    private static readonly string[] RpcUnavailable = ["Unavailable", "DeadlineExceeded", "ResourceExhausted", "Aborted"];

    // The local host's backend (DurableTask.AzureStorage) wraps a storage request's failure in its own type.
    private const string BackendStorageExceptionType = "DurableTask.AzureStorage.Storage.DurableTaskStorageException";

    public static ApiResult ToResult(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var (status, what) = Classify(exception);
        var detail = $"{what} ({exception.GetType().Name}: {Outage.Describe(exception)})";
        if (status == 503)
        {
            return ApiResult.Problem(503, "Service Unavailable", detail + "; try again later") with
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) },
            };
        }

        return ApiResult.Problem(500, "Internal Server Error", detail);
    }

    private static (int Status, string What) Classify(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate)
        {
            return Classify(aggregate.InnerExceptions[^1]);
        }

        if (exception.GetType().FullName == BackendStorageExceptionType && exception.InnerException is { } storage)
        {
            return Classify(storage);
        }

        if (exception.GetType().FullName == RpcExceptionType)
        {
            var code = exception.GetType().GetProperty("StatusCode")?.GetValue(exception)?.ToString();
            return (RpcUnavailable.Contains(code) ? 503 : 500, $"the durable task backend answered {code}");
        }

        return exception switch
        {
            DependencyUnavailableException => (503, "a dependency did not answer"),
            RequestFailedException or HttpRequestException when Outage.IsStorageUnreachable(exception) => (503, "storage did not answer"),
            RequestFailedException rf => (500, string.Create(CultureInfo.InvariantCulture, $"storage refused the request ({rf.Status})")),
            JsonException or FormatException or SessionFormatException => (500, "a stored document could not be read"),
            TimeoutException => (503, "a dependency did not answer in time"),
            _ => (500, "the request failed"),
        };
    }
}
