using System.CommandLine;
using DrainFunctions.Cli.Commands;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Agents;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Flags;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Cli.Agent;

/// <summary>
/// <c>drain agent --endpoint URL</c>: runs phases of drains orchestrated elsewhere (a Function App
/// with <c>Executor__Kind=agent</c>, or <c>drain serve --executor agent</c>) on this machine, where
/// Autopack's code, workspace and API server are. Connects out only; needs the URL and a key.
/// </summary>
public static class AgentCommand
{
    public const string Description = """
        run phases for drains orchestrated elsewhere (a Function App with Executor__Kind=agent, or drain serve --executor agent)
        on this machine: pulls work over HTTP(S) only, runs each phase with the executor command (no shell; its process tree is
        killed at its deadline or when the drain takes it back), streams its output to the session's logs, heartbeats, reports
        the result. Ctrl-C: finish the running phases and stop; twice: stop them too (the drain restores them).
        """;

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = Flag.Text("--endpoint", "URL", "the Function App (or drain serve) whose drains this agent runs phases for");
        var key = Flag.Text("--key", "KEY", $"the key of the agents' routes (default: ${ServeCommand.AgentKeyVariable}, else ${DrainEndpoint.KeyVariable})");
        var slots = Flag.WholeNumber("--slots", "phases this agent runs at once (default 1)", 1, Durable.Api.AgentApi.MaxSlots);
        var apiUrl = Flag.Text("--api-url", "URL", "Autopack's API server for the executor (AUTOPACK_API_URL, {api_url})");
        var name = Flag.Text("--name", "NAME", $"this agent's name in lists and results ({AgentNames.Rule}; default: machine-pid)");
        var executor = new ExecutorFlags();
        var command = new Command("agent", Description) { endpoint, key, slots, apiUrl, name };
        foreach (var option in executor.Options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, _) =>
        {
            var (kind, template, workspace) = executor.Read(parsed);
            var settings = Read(parsed.GetValue(endpoint), parsed.GetValue(key), parsed.GetValue(name), parsed.GetValue(apiUrl), kind ?? "process", template, workspace);
            return await RunAsync(settings, parsed.GetValue(slots) ?? 1, context);
        });
        return CommandHelp.WithExamples(
            command,
            "DRAIN_AGENT_KEY=... drain agent --endpoint https://myapp.azurewebsites.net --slots 2 --workspace ~/autopack",
            "drain agent --endpoint http://127.0.0.1:7071 --executor demo --name laptop");
    }

    /// <summary>The agent's settings from its flags, checked: bad usage names the flag (exit 2).</summary>
    public static AgentSettings Read(string? endpoint, string? key, string? name, string? apiUrl, string kind, string? template, string? workspace)
    {
        if (endpoint is null)
        {
            throw UsageException.ForFlag("--endpoint", "required: the URL of the Function App or drain serve the agent works for");
        }

        var resolvedKey = key ?? (Environment.GetEnvironmentVariable(ServeCommand.AgentKeyVariable) is { Length: > 0 } agentKey ? agentKey : null);
        var url = DrainEndpoint.From(endpoint, resolvedKey) ?? throw UsageException.ForFlag("--endpoint", "required");
        if (name is not null && !AgentNames.IsValid(name))
        {
            throw UsageException.ForFlag("--name", $"invalid name '{name}' (allowed: {AgentNames.Rule})");
        }

        if (apiUrl is not null && !(Uri.TryCreate(apiUrl, UriKind.Absolute, out var api) && api.Scheme is "http" or "https"))
        {
            throw UsageException.ForFlag("--api-url", $"invalid URL: '{apiUrl}' (allowed: an http:// or https:// URL)");
        }

        ExecutorFlags.Check(kind, template, workspace);
        DrainFlags.CheckExecutable(kind, template, workspace);
        return new AgentSettings(url, name ?? AgentNames.Default(Environment.MachineName, Environment.ProcessId), apiUrl, kind, template, workspace);
    }

    public static async Task<int> RunAsync(AgentSettings settings, int slots, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(context);
        using var http = settings.Endpoint.CreateClient();

        // Longer than the longest claim wait, so that an idle claim is not taken for a dead server.
        http.Timeout = TimeSpan.FromSeconds(60);
        var server = new AgentServer(http, settings.Name);
        var environment = LocalEnvironment.FromProcess();
        var executorOptions = Options.Create(new ExecutorOptions
        {
            Kind = settings.Kind,
            CommandTemplate = settings.CommandTemplate ?? ExecutorOptions.DefaultTemplate,
            Workspace = settings.Workspace ?? Directory.GetCurrentDirectory(),
            ApiUrl = settings.ApiUrl,

            // Only when this machine has one for Autopack: the agent itself never needs the database.
            DatabaseUrl = Environment.GetEnvironmentVariable("DATABASE_URL") ?? string.Empty,
            DemoExecutorPath = environment.DemoExecutorPath,
        });
        var logging = CliLogging.Current;
        AgentWorker? worker = null;
        var sinks = new HttpLogSinks(server, attempt => worker?.WorkOf(attempt));
        var processes = new AttemptProcesses(executorOptions, logging.CreateLogger<AttemptProcesses>());
        var executor = new ProcessExecutor(executorOptions, Options.Create(new SnapshotOptions()), sinks, processes, logging.CreateLogger<ProcessExecutor>());
        using var journal = new AgentJournal(settings.Name);
        worker = new AgentWorker(server, executor, processes, journal, slots, context.Stdout, context.Stderr, context.Interrupts);
        return await worker.RunAsync();
    }
}
