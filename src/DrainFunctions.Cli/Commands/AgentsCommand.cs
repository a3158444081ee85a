using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Durable.Agents;
using DrainFunctions.Durable.Api;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain agents --endpoint URL</c>: the agents connected to a Function App or drain serve, their slots and what they run.</summary>
public static class AgentsCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = new EndpointFlags();
        var output = OutputFormat.Create(OutputFormat.Table, "table: one line per agent and per phase it runs (the default); json: the API's answer");
        var command = new Command("agents", "list the agents connected to --endpoint (a Function App or drain serve): their slots and the phases they run") { output };
        endpoint.AddTo(command);
        command.SetAction(async (parsed, token) =>
        {
            var url = endpoint.Read(parsed) ?? throw UsageException.ForFlag("--endpoint", "required: agents connect to a Function App or drain serve, not to the local task hub");
            return await RunAsync(url, OutputFormat.Of(parsed, output) == OutputFormat.Json, context.Stdout, context.Stderr, token);
        });
        return CommandHelp.WithExamples(command, "drain agents --endpoint http://127.0.0.1:7071", "drain agents --endpoint https://myapp.azurewebsites.net --output json");
    }

    public static async Task<int> RunAsync(DrainEndpoint endpoint, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        using var http = endpoint.CreateClient();
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync("api/agents", cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            stderr.WriteLine($"drain agents: {endpoint.Url} is unreachable: {ex.Message}");
            return 1;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                stderr.WriteLine($"drain agents: {(int)response.StatusCode} {response.ReasonPhrase} from {endpoint.Url}");
                return 1;
            }

            var answer = await response.Content.ReadFromJsonAsync<AgentList>(ApiResult.JsonOptions, cancellationToken) ?? new AgentList([], 0);
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(answer, OutputFormat.JsonOptions));
                return 0;
            }

            if (answer.Agents.Count == 0)
            {
                stdout.WriteLine("No agents connected.");
                return 0;
            }

            var now = DateTimeOffset.UtcNow;
            stdout.WriteLine($"{"AGENT",-32} {"SLOTS",5} {"BUSY",4} {"LAST SEEN",10}  STATE");
            foreach (var agent in answer.Agents)
            {
                var seen = string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (now - agent.LastSeen).TotalSeconds):0}s ago");
                var state = agent.Stopping ? "stopping" : (now - agent.LastSeen).TotalSeconds > answer.HeartbeatTimeoutSeconds ? "silent" : "connected";
                stdout.WriteLine($"{agent.Name,-32} {agent.Slots,5} {agent.Running.Count,4} {seen,10}  {state}");
                foreach (var run in agent.Running)
                {
                    stdout.WriteLine($"    {run.RunId}/{run.PhaseId}  session {run.SessionId}  attempt {run.AttemptId}");
                }
            }

            return 0;
        }
    }

    private sealed record AgentList(IReadOnlyList<AgentEntry> Agents, double HeartbeatTimeoutSeconds);
}
