using System.Text.Json;
using DrainFunctions.Core.Agents;
using DrainFunctions.Durable.Agents;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The agents' routes as plain methods (the Function App and <c>drain serve</c> map them):
/// <c>POST /api/agents/claim</c>, <c>POST /api/agents/heartbeat</c>,
/// <c>POST /api/agents/work/{session}/{attempt}/log</c>, <c>POST /api/agents/work/{session}/{attempt}/result</c>,
/// and <c>GET /api/agents</c>. Bad bodies are 400s naming the field; words about an attempt that
/// is not the agent's (any more) are 409s and change nothing.
/// </summary>
public sealed class AgentApi(AgentBroker broker, DurableTaskClient client)
{
    public const int MaxSlots = 64;

    public async Task<ApiResult> ClaimAsync(string? body, CancellationToken cancellationToken = default)
    {
        if (Parse<AgentClaim>(body, out var claim) is { } bad)
        {
            return bad;
        }

        var errors = AgentErrors(claim!.Agent, claim.Slots);
        if (claim.Free < 1 || claim.Free > claim.Slots)
        {
            errors["free"] = [$"must be between 1 and slots ({claim.Slots})"];
        }

        if (claim.WaitSeconds is < 0 or > 300 || claim.WaitSeconds is double.NaN)
        {
            errors["waitSeconds"] = ["must be between 0 and 300"];
        }

        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("the claim is not valid", errors);
        }

        var work = await broker.ClaimAsync(client, claim, cancellationToken);
        return ApiResult.Ok(new { work, heartbeatSeconds = AgentHeartbeats.IntervalFor(broker.Options.HeartbeatTimeout).TotalSeconds, heartbeatTimeoutSeconds = broker.Options.HeartbeatTimeout.TotalSeconds });
    }

    public async Task<ApiResult> HeartbeatAsync(string? body, CancellationToken cancellationToken = default)
    {
        if (Parse<AgentBeat>(body, out var beat) is { } bad)
        {
            return bad;
        }

        var errors = AgentErrors(beat!.Agent, beat.Slots);
        if (beat.Running.Count > beat.Slots || beat.Running.Any(r => string.IsNullOrWhiteSpace(r.SessionId) || string.IsNullOrWhiteSpace(r.AttemptId)))
        {
            errors["running"] = [$"at most slots ({beat.Slots}) entries, each with sessionId and attemptId"];
        }

        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("the heartbeat is not valid", errors);
        }

        var answer = await broker.HeartbeatAsync(beat, cancellationToken);
        return ApiResult.Ok(new { stop = answer.Stop, deadlines = answer.Deadlines, kept = answer.Kept, serverTime = answer.ServerTime, heartbeatSeconds = AgentHeartbeats.IntervalFor(broker.Options.HeartbeatTimeout).TotalSeconds });
    }

    public async Task<ApiResult> AppendLogAsync(string sessionId, string attemptId, string? body, CancellationToken cancellationToken = default)
    {
        if (Parse<AgentLogChunk>(body, out var chunk) is { } bad)
        {
            return bad;
        }

        var errors = AgentErrors(chunk!.Agent, 1);
        if (chunk.Stream is not ("stdout" or "stderr"))
        {
            errors["stream"] = ["must be stdout or stderr"];
        }

        if (chunk.Offset < 0)
        {
            errors["offset"] = ["must be >= 0"];
        }

        byte[] bytes = [];
        try
        {
            bytes = Convert.FromBase64String(chunk.Data ?? string.Empty);
        }
        catch (FormatException)
        {
            errors["data"] = ["must be base64"];
        }

        if (bytes.Length > AgentLogChunk.MaxBytes)
        {
            errors["data"] = [$"at most {AgentLogChunk.MaxBytes} bytes a chunk"];
        }

        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("the log chunk is not valid", errors);
        }

        return await broker.AppendLogAsync(sessionId, attemptId, chunk, bytes, cancellationToken)
            ? ApiResult.Ok(new { stored = chunk.Offset + bytes.Length })
            : Refused(attemptId, chunk.Agent);
    }

    public async Task<ApiResult> ReportAsync(string sessionId, string attemptId, string? body, CancellationToken cancellationToken = default)
    {
        if (Parse<AgentRunReport>(body, out var report) is { } bad)
        {
            return bad;
        }

        var errors = AgentErrors(report!.Agent, 1);
        if (report.DurationSeconds < 0 || double.IsNaN(report.DurationSeconds))
        {
            errors["durationSeconds"] = ["must be >= 0"];
        }

        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("the result is not valid", errors);
        }

        return await broker.ReportAsync(client, sessionId, attemptId, report, cancellationToken)
            ? ApiResult.Ok(new { accepted = true })
            : Refused(attemptId, report.Agent);
    }

    public async Task<ApiResult> ListAsync(CancellationToken cancellationToken = default) =>
        ApiResult.Ok(new { agents = await broker.ListAsync(cancellationToken), heartbeatTimeoutSeconds = broker.Options.HeartbeatTimeout.TotalSeconds });

    private static ApiResult Refused(string attemptId, string agent) =>
        ApiResult.Problem(409, "Conflict", $"attempt {attemptId} is not run by agent {agent} (any more): it was decided without it (lost, withdrawn or reported); nothing was changed");

    private static Dictionary<string, string[]> AgentErrors(string? agent, int slots)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!AgentNames.IsValid(agent))
        {
            errors["agent"] = [$"must be {AgentNames.Rule}"];
        }

        if (slots is < 1 or > MaxSlots)
        {
            errors["slots"] = [$"must be between 1 and {MaxSlots}"];
        }

        return errors;
    }

    private static ApiResult? Parse<T>(string? body, out T? value)
        where T : class
    {
        value = null;
        if (string.IsNullOrWhiteSpace(body))
        {
            return ApiResult.BadRequest("a JSON body is required");
        }

        try
        {
            value = JsonSerializer.Deserialize<T>(body, ApiResult.JsonOptions);
        }
        catch (JsonException ex)
        {
            return ApiResult.BadRequest($"the body is not valid JSON for this route: {ex.Message}");
        }

        return value is null ? ApiResult.BadRequest("a JSON object is required") : null;
    }
}
