using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The drain service over the HTTP API of a Function App or <c>drain serve</c>: the same answers as
/// <see cref="LocalDrainControl"/>, made from <c>GET /api/drains/{id}</c>, <c>.../cancel</c> and
/// <c>.../logs/{run}/{phase}/follow</c>.
/// </summary>
public sealed class HttpDrainControl(DrainEndpoint endpoint, HttpMessageHandler? handler = null) : IDrainControl
{
    private readonly HttpClient http = endpoint.CreateClient(handler);

    public async Task<DrainView?> StatusAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"api/drains/{Uri.EscapeDataString(sessionId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        // 202 is a live drain's status (the async pattern's "ask again"), with the same body as 200.
        var body = await ExpectAsync(response, response.StatusCode == HttpStatusCode.Accepted ? HttpStatusCode.Accepted : HttpStatusCode.OK, cancellationToken);
        return ViewOf(sessionId, body);
    }

    /// <summary>The <see cref="DrainView"/> of a <c>GET /api/drains/{id}</c> answer; its state decided by <see cref="DrainRules.StateOf"/> as locally.</summary>
    public static DrainView ViewOf(string sessionId, JsonNode body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var status = body["status"]?.GetValue<string>() ?? "Incomplete";
        OrchestrationRuntimeStatus? runtime = Enum.TryParse<OrchestrationRuntimeStatus>(status, out var parsed) ? parsed : null;
        var progress = body["progress"]?.Deserialize<DrainStatus>(ApiResult.JsonOptions);
        var sessionText = body["session"]?.ToJsonString();
        var session = sessionText is null ? null : SessionJson.Parse(sessionText, sessionId);
        var totals = body["totals"] is JsonObject t
            ? new DrainTotals(Long(t, "processed"), Long(t, "success"), Long(t, "failed"), Long(t, "timeouts"), Long(t, "telemetryEvents"))
            : null;
        return new DrainView
        {
            SessionId = sessionId,
            InstanceId = body["instanceId"]?.GetValue<string>(),
            Status = status,
            State = DrainRules.StateOf(runtime, session?.IsComplete, progress?.Stop),
            RuntimeStatus = runtime,
            Progress = progress,
            Totals = totals,
            Failure = body["failure"]?.GetValue<string>(),
            Session = session,
            SessionJson = sessionText,
        };
    }

    public async Task<DrainCancel> CancelAsync(string sessionId, bool now, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"api/drains/{Uri.EscapeDataString(sessionId)}/cancel?mode={(now ? CancelRequest.Now : CancelRequest.Graceful)}", null, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return new DrainCancel(DrainCancelStatus.NotFound);
            case HttpStatusCode.Conflict:
                var conflict = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                OrchestrationRuntimeStatus? runtime = Enum.TryParse<OrchestrationRuntimeStatus>(conflict?["status"]?.GetValue<string>(), out var parsed) ? parsed : null;
                return new DrainCancel(DrainCancelStatus.NotRunning, null, runtime);
            default:
                var body = await ExpectAsync(response, HttpStatusCode.Accepted, cancellationToken);
                return new DrainCancel(DrainCancelStatus.Sent, body["instanceId"]?.GetValue<string>());
        }
    }

    public async Task<PhaseLog?> ReadLogAsync(string sessionId, string runId, string phaseId, long stdoutFrom, long stderrFrom, CancellationToken cancellationToken = default)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"api/drains/{Uri.EscapeDataString(sessionId)}/logs/{Uri.EscapeDataString(runId)}/{Uri.EscapeDataString(phaseId)}/follow?stdoutFrom={stdoutFrom}&stderrFrom={stderrFrom}");
        using var response = await http.GetAsync(path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var body = await ExpectAsync(response, HttpStatusCode.OK, cancellationToken);
        return new PhaseLog(
            body["stdout"]?.GetValue<string>() ?? string.Empty,
            body["stderr"]?.GetValue<string>() ?? string.Empty,
            body["stdoutNext"]?.GetValue<long>() ?? stdoutFrom,
            body["stderrNext"]?.GetValue<long>() ?? stderrFrom,
            body["running"]?.GetValue<bool>() ?? false,
            Stored: true);
    }

    public ValueTask DisposeAsync()
    {
        http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static long Long(JsonObject totals, string name) => totals[name]?.GetValue<long>() ?? 0;

    /// <summary>The JSON body of an answer with <paramref name="expected"/> status; any other answer is one line naming the endpoint and status.</summary>
    private async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != expected)
        {
            throw new RemoteAnswerException($"{endpoint.Url} answered {(int)response.StatusCode}: {text}");
        }

        try
        {
            return JsonNode.Parse(text) ?? throw new RemoteAnswerException($"{endpoint.Url} answered {(int)response.StatusCode} without a body");
        }
        catch (JsonException ex)
        {
            throw new RemoteAnswerException($"{endpoint.Url} answered {(int)response.StatusCode} with a body that is not JSON", ex);
        }
    }
}
