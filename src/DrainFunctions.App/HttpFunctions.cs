using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App;

/// <summary>The HTTP API (function-key auth): each function maps its route to a <see cref="DrainApi"/> method over the <see cref="DrainService"/>.</summary>
public sealed class HttpFunctions(BlobSessionStore sessions, BlobLedgerStore ledger, DrainLockStore locks, IBacklogStoreFactory backlog, DrainOptions defaults)
{
    [Function("StartDrain")]
    public async Task<IActionResult> Start([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client).StartAsync), req);

    [Function("ListDrains")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).ListAsync(req.HttpContext.RequestAborted), req);

    [Function("PreviewDrain")]
    public async Task<IActionResult> Preview([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/preview")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client).PreviewAsync), req);

    [Function("ResumeDrain")]
    public async Task<IActionResult> Resume([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/resume")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client).ResumeAsync), req);

    [Function("GetDrain")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).GetAsync(sessionId, req.HttpContext.RequestAborted), req);

    [Function("GetDrainSummary")]
    public async Task<IActionResult> Summary([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/summary")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).SummaryAsync(sessionId, req.HttpContext.RequestAborted), req);

    [Function("GetDrainLogs")]
    public async Task<IActionResult> Logs([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/logs/{runId}/{phaseId}")] HttpRequest req, string sessionId, string runId, string phaseId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).LogsAsync(sessionId, runId, phaseId, req.HttpContext.RequestAborted), req);

    [Function("FollowDrainLogs")]
    public async Task<IActionResult> FollowLogs([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/logs/{runId}/{phaseId}/follow")] HttpRequest req, string sessionId, string runId, string phaseId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).FollowLogsAsync(sessionId, runId, phaseId, req.Query["stdoutFrom"].ToString(), req.Query["stderrFrom"].ToString(), req.HttpContext.RequestAborted), req);

    [Function("CancelDrain")]
    public async Task<IActionResult> Cancel([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/{sessionId}/cancel")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).CancelAsync(sessionId, req.Query["mode"].ToString(), req.HttpContext.RequestAborted), req);

    [Function("GetLedger")]
    public async Task<IActionResult> Ledger([HttpTrigger(AuthorizationLevel.Function, "get", Route = "ledger")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).LedgerAsync(req.HttpContext.RequestAborted), req);

    [Function("ForgetLedgerRun")]
    public async Task<IActionResult> Forget([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "ledger/runs/{runId}")] HttpRequest req, string runId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client).ForgetRunAsync(runId, req.HttpContext.RequestAborted), req);

    /// <summary>ApiResult to an ASP.NET Core result: status, body, content type and headers.</summary>
    public static IActionResult Map(ApiResult result, HttpRequest req)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(req);
        foreach (var (name, value) in result.Headers)
        {
            req.HttpContext.Response.Headers[name] = value;
        }

        return new ContentResult { StatusCode = result.Status, Content = result.Body, ContentType = result.ContentType };
    }

    /// <summary>
    /// The checks <c>drain serve</c> makes too (<see cref="ApiRequests"/>): no foreign Origin, JSON
    /// bodies of at most 64 KB. The app's own origin is its host name, over https or http.
    /// </summary>
    private static ApiResult? Refuse(HttpRequest req) =>
        ApiRequests.Refuse(req.Method, req.ContentType, req.ContentLength, req.Headers.Origin.FirstOrDefault(),
            req.Host.HasValue ? ["https://" + req.Host.Value, "http://" + req.Host.Value] : []);

    private static async Task<ApiResult> WithBodyAsync(HttpRequest req, Func<string?, CancellationToken, Task<ApiResult>> handler)
    {
        if (Refuse(req) is { } refusal)
        {
            return refusal;
        }

        var (body, error) = await ApiRequests.ReadBodyAsync(req.Body, req.HttpContext.RequestAborted);
        return error ?? await handler(body, req.HttpContext.RequestAborted);
    }

    private DrainApi Api(DurableTaskClient client) => new(new DrainService(client, sessions, locks, previewer: new DrainPreviewer(backlog, ledger)), ledger, defaults);
}
