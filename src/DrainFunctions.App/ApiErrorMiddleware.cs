using DrainFunctions.Durable.Api;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.App;

/// <summary>
/// Errors outside the HTTP handlers' own answers (gRPC to the durable backend, storage, a corrupt
/// session blob, the database) become problem+json (<see cref="ApiFailures"/>: 503 with
/// Retry-After when something did not answer, else 500), not the host's bare 500. Runs inside the
/// ASP.NET Core integration's middleware, which then writes the result it sets.
/// </summary>
public sealed partial class ApiErrorMiddleware(ILogger<ApiErrorMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (Exception ex) when (context.GetHttpContext() is { } http && !http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted)
        {
            LogFailed(logger, ex, context.FunctionDefinition.Name);
            context.GetInvocationResult().Value = HttpFunctions.Map(ApiFailures.ToResult(ex), http.Request);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "HTTP function {Function} failed; answered with problem+json")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);
}
