using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.App;

/// <summary>
/// The agents' routes (function-key auth): the same <see cref="AgentApi"/> handlers as
/// <c>drain serve</c>. Give agents a function key of these four POST functions only (infra/README.md,
/// "Agents"), so that an agent's key cannot start, cancel or read drains.
/// </summary>
public sealed class AgentFunctions(AgentBroker broker)
{
    [Function("ListAgents")]
    public async Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Function, "get", Route = "agents")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        HttpFunctions.Map(HttpFunctions.Refuse(req) ?? await Api(client).ListAsync(req.HttpContext.RequestAborted), req);

    [Function("ClaimAgentWork")]
    public async Task<IActionResult> Claim([HttpTrigger(AuthorizationLevel.Function, "post", Route = "agents/claim")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        HttpFunctions.Map(await HttpFunctions.WithBodyAsync(req, Api(client).ClaimAsync), req);

    [Function("AgentHeartbeat")]
    public async Task<IActionResult> Heartbeat([HttpTrigger(AuthorizationLevel.Function, "post", Route = "agents/heartbeat")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        HttpFunctions.Map(await HttpFunctions.WithBodyAsync(req, Api(client).HeartbeatAsync), req);

    [Function("AppendAgentLog")]
    public async Task<IActionResult> AppendLog([HttpTrigger(AuthorizationLevel.Function, "post", Route = "agents/work/{sessionId}/{attemptId}/log")] HttpRequest req, string sessionId, string attemptId, [DurableClient] DurableTaskClient client) =>
        HttpFunctions.Map(await HttpFunctions.WithBodyAsync(req, (body, ct) => Api(client).AppendLogAsync(sessionId, attemptId, body, ct)), req);

    [Function("ReportAgentResult")]
    public async Task<IActionResult> Report([HttpTrigger(AuthorizationLevel.Function, "post", Route = "agents/work/{sessionId}/{attemptId}/result")] HttpRequest req, string sessionId, string attemptId, [DurableClient] DurableTaskClient client) =>
        HttpFunctions.Map(await HttpFunctions.WithBodyAsync(req, (body, ct) => Api(client).ReportAsync(sessionId, attemptId, body, ct)), req);

    private AgentApi Api(DurableTaskClient client) => new(broker, client);
}
