using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.Cli.Agent;

/// <summary>
/// The agent's calls to the drain server's agent routes. Only outbound HTTP(S): the agent needs
/// the URL and a key, never storage or database credentials. A call that gets no answer (the server
/// restarts, the network drops) reports <see cref="AgentCallOutcome.Unreachable"/>; the caller decides
/// whether to try again.
/// </summary>
public sealed class AgentServer(HttpClient http, string agent)
{
    public string Agent => agent;

    public async Task<(AgentCallOutcome Outcome, ClaimAnswer? Answer, string? Why)> ClaimAsync(int slots, int free, double waitSeconds, CancellationToken cancellationToken)
    {
        var (outcome, response, why) = await PostAsync("api/agents/claim", new AgentClaim { Agent = agent, Slots = slots, Free = free, Machine = Environment.MachineName, WaitSeconds = waitSeconds }, cancellationToken);
        using (response)
        {
            return outcome == AgentCallOutcome.Accepted ? (outcome, await response!.Content.ReadFromJsonAsync<ClaimAnswer>(ApiResult.JsonOptions, cancellationToken), null) : (outcome, null, why);
        }
    }

    public async Task<(AgentCallOutcome Outcome, HeartbeatAnswer? Answer, string? Why)> HeartbeatAsync(AgentBeat beat, CancellationToken cancellationToken)
    {
        var (outcome, response, why) = await PostAsync("api/agents/heartbeat", beat, cancellationToken);
        using (response)
        {
            return outcome == AgentCallOutcome.Accepted ? (outcome, await response!.Content.ReadFromJsonAsync<HeartbeatAnswer>(ApiResult.JsonOptions, cancellationToken), null) : (outcome, null, why);
        }
    }

    public async Task<(AgentCallOutcome Outcome, string? Why)> AppendLogAsync(AgentWorkItem work, AgentLogChunk chunk, CancellationToken cancellationToken)
    {
        var (outcome, response, why) = await PostAsync(WorkRoute(work, "log"), chunk, cancellationToken);
        response?.Dispose();
        return (outcome, why);
    }

    public async Task<(AgentCallOutcome Outcome, string? Why)> ReportAsync(AgentWorkItem work, AgentRunReport report, CancellationToken cancellationToken)
    {
        var (outcome, response, why) = await PostAsync(WorkRoute(work, "result"), report, cancellationToken);
        response?.Dispose();
        return (outcome, why);
    }

    private static string WorkRoute(AgentWorkItem work, string what) =>
        $"api/agents/work/{Uri.EscapeDataString(work.SessionId)}/{Uri.EscapeDataString(work.AttemptId)}/{what}";

    private async Task<(AgentCallOutcome, HttpResponseMessage?, string?)> PostAsync<T>(string route, T body, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(route, body, ApiResult.JsonOptions, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return (AgentCallOutcome.Unreachable, null, ex.Message);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (AgentCallOutcome.Unreachable, null, "no answer in time (" + ex.Message + ")");
        }

        if (response.IsSuccessStatusCode)
        {
            return (AgentCallOutcome.Accepted, response, null);
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        response.Dispose();
        var detail = Detail(text) ?? response.ReasonPhrase;
        return response.StatusCode switch
        {
            HttpStatusCode.Conflict => (AgentCallOutcome.Refused, null, detail),
            >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => (AgentCallOutcome.Unreachable, null, $"{(int)response.StatusCode} {detail}"),
            _ => (AgentCallOutcome.Rejected, null, $"{(int)response.StatusCode} {detail}"),
        };
    }

    private static string? Detail(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public sealed record ClaimAnswer(IReadOnlyList<AgentWorkItem> Work, double HeartbeatSeconds, double HeartbeatTimeoutSeconds);

    public sealed record HeartbeatAnswer(IReadOnlyList<string> Stop, double HeartbeatSeconds, IReadOnlyDictionary<string, DateTimeOffset>? Deadlines = null, IReadOnlyDictionary<string, DateTimeOffset>? Kept = null, DateTimeOffset? ServerTime = null);
}
