using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Activities;
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
public sealed class HttpFunctions(BlobSessionStore sessions, BlobLedgerStore ledger, DrainLockStore locks, IBacklogStoreFactory backlog, DrainOptions defaults, IServiceProvider services)
{
    [Function("StartDrain")]
    public async Task<IActionResult> Start([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client, req).StartAsync), req);

    [Function("ListDrains")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).ListAsync(req.Query["top"].FirstOrDefault(), req.Query["status"].FirstOrDefault(), req.Query["continuationToken"].FirstOrDefault(), req.HttpContext.RequestAborted), req);

    [Function("PreviewDrain")]
    public async Task<IActionResult> Preview([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/preview")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client, req).PreviewAsync), req);

    [Function("ResumeDrain")]
    public async Task<IActionResult> Resume([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/resume")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client, req).ResumeAsync), req);

    /// <summary>
    /// <c>resume</c> means "continue a stopped session" here, not Durable Functions' "un-suspend";
    /// <c>continue</c> is the same handler under a name that cannot be mistaken for it.
    /// </summary>
    [Function("ContinueDrain")]
    public async Task<IActionResult> Continue([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/continue")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(await WithBodyAsync(req, Api(client, req).ResumeAsync), req);

    [Function("GetOpenApi")]
    public static IActionResult OpenApi([HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi.json")] HttpRequest req) =>
        Map(Refuse(req) ?? ApiDocument.Answer(), req);

    [Function("GetDrain")]
    public async Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).GetAsync(sessionId, req.HttpContext.RequestAborted), req);

    [Function("GetDrainSummary")]
    public async Task<IActionResult> Summary([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/summary")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).SummaryAsync(sessionId, req.HttpContext.RequestAborted), req);

    [Function("GetDrainLogs")]
    public async Task<IActionResult> Logs([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/logs/{runId}/{phaseId}")] HttpRequest req, string sessionId, string runId, string phaseId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).LogsAsync(sessionId, runId, phaseId, req.HttpContext.RequestAborted), req);

    [Function("FollowDrainLogs")]
    public async Task<IActionResult> FollowLogs([HttpTrigger(AuthorizationLevel.Function, "get", Route = "drains/{sessionId}/logs/{runId}/{phaseId}/follow")] HttpRequest req, string sessionId, string runId, string phaseId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).FollowLogsAsync(sessionId, runId, phaseId, req.Query["stdoutFrom"].ToString(), req.Query["stderrFrom"].ToString(), req.HttpContext.RequestAborted), req);

    [Function("CancelDrain")]
    public async Task<IActionResult> Cancel([HttpTrigger(AuthorizationLevel.Function, "post", Route = "drains/{sessionId}/cancel")] HttpRequest req, string sessionId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).CancelAsync(sessionId, req.Query["mode"].ToString(), req.HttpContext.RequestAborted), req);

    [Function("GetLedger")]
    public async Task<IActionResult> Ledger([HttpTrigger(AuthorizationLevel.Function, "get", Route = "ledger")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).LedgerAsync(req.HttpContext.RequestAborted), req);

    [Function("ForgetLedgerRun")]
    public async Task<IActionResult> Forget([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "ledger/runs/{runId}")] HttpRequest req, string runId, [DurableClient] DurableTaskClient client) =>
        Map(Refuse(req) ?? await Api(client, req).ForgetRunAsync(runId, req.HttpContext.RequestAborted), req);

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
    internal static ApiResult? Refuse(HttpRequest req) =>
        ApiRequests.Refuse(req.Method, req.ContentType, req.ContentLength, req.Headers.Origin.FirstOrDefault(),
            req.Host.HasValue ? ["https://" + req.Host.Value, "http://" + req.Host.Value] : []);

    internal static async Task<ApiResult> WithBodyAsync(HttpRequest req, Func<string?, CancellationToken, Task<ApiResult>> handler)
    {
        if (Refuse(req) is { } refusal)
        {
            return refusal;
        }

        var (body, error) = await ApiRequests.ReadBodyAsync(req.Body, req.HttpContext.RequestAborted);
        return error ?? await handler(body, req.HttpContext.RequestAborted);
    }

    private DrainApi Api(DurableTaskClient client, HttpRequest req) =>
        new(new DrainService(client, sessions, locks, previewer: new DrainPreviewer(backlog, ledger, sessions: sessions), restorer: new PhaseRestorer(services), firstSave: new SaveSessionSnapshot(sessions, ledger, backlog, locks)), ledger, defaults) { Base = BaseOf(req) };

    /// <summary>
    /// Where the caller reached the app, for absolute Locations (the key kept only when it came in
    /// the URL): the forwarded scheme and host when a front end (App Service, APIM) set them.
    /// </summary>
    private static ApiBase BaseOf(HttpRequest req)
    {
        var scheme = req.Headers["X-Forwarded-Proto"].FirstOrDefault()?.Split(',')[0].Trim() is { Length: > 0 } proto ? proto : req.Scheme;
        var host = req.Headers["X-Forwarded-Host"].FirstOrDefault()?.Split(',')[0].Trim() is { Length: > 0 } forwarded ? forwarded : req.Host.Value;
        return new($"{scheme}://{host}", req.Query["code"].FirstOrDefault());
    }
}
