using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Options;
using DrainFunctions.Data;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Flags;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain serve</c>: the Function App's HTTP API, at the same routes and from the same handler
/// class (<see cref="DrainApi"/>), on the local durable host, bound to 127.0.0.1.
/// </summary>
public static class ServeCommand
{
    public const string Description = """
        the Function App's HTTP API on the local durable host, on http://127.0.0.1:PORT/api like `func start`:
        /api/drains, /api/drains/{id}, .../summary, .../logs/{run}/{phase}, .../cancel, /api/drains/preview,
        /api/drains/resume (alias /api/drains/continue), /api/ledger, /api/ledger/runs/{run}, /api/agents (and the agents'
        routes: --executor agent hands phases to `drain agent` processes) and /api/openapi.json
        (also /openapi/v1.json). With a key every request needs ?code=KEY or the
        x-functions-key header; without one, anything on this machine may call it (a warning says so). Requests
        from another origin (a web page) or host name are refused (403); bodies are JSON (else 415), at most 64 KB (else 413).
        """;

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var port = Flag.WholeNumber("--port", "the port on 127.0.0.1 (default 7071)", 1, 65535, "a TCP port");
        var key = Flag.Text("--key", "KEY", $"the function key every request must give (default: ${DrainFlagSet.ApiKeyVariable})");
        var agentKey = Flag.Text("--agent-key", "KEY", $"a key that opens only the agents' routes (POST /api/agents/...), for `drain agent` (default: ${AgentKeyVariable})");
        var heartbeat = Flag.Number("--heartbeat-timeout", "with --executor agent: seconds without a heartbeat after which an agent's phase is lost (default 30)", 1, 3600, helpName: "SECONDS");
        var executor = new ExecutorFlags(agents: true);
        var command = new Command("serve", Description) { port, key, agentKey, heartbeat };
        foreach (var option in executor.Options)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, _) =>
        {
            var (kind, template, workspace) = executor.Read(parsed);
            return await RunAsync(
                parsed.GetValue(port) ?? 7071,
                new ServeKeys(parsed.GetValue(key) ?? Environment.GetEnvironmentVariable(DrainFlagSet.ApiKeyVariable), parsed.GetValue(agentKey) ?? Environment.GetEnvironmentVariable(AgentKeyVariable)),
                new LocalDrainHost.ExecutorSettings(kind ?? "process", template, workspace, null, 1.0) { HeartbeatTimeout = parsed.GetValue(heartbeat) is { } h ? TimeSpan.FromSeconds(h) : null },
                context.Stdout,
                context.Stderr,
                context.Interrupts);
        });
        return CommandHelp.WithExamples(
            command,
            "DRAIN_API_KEY=s3cret drain serve --port 7071",
            "drain --endpoint http://127.0.0.1:7071 --batch-size 5   # with DRAIN_API_KEY set: a drain through it");
    }

    /// <summary>The environment variable of the agents' key.</summary>
    public const string AgentKeyVariable = "DRAIN_AGENT_KEY";

    /// <summary>The operators' key (every route) and the agents' key (only the agents' POST routes).</summary>
    public sealed record ServeKeys(string? Operators, string? Agents);

    public static async Task<int> RunAsync(int port, ServeKeys keys, LocalDrainHost.ExecutorSettings executor, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var key = keys.Operators;
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(interrupts);
        ExecutorFlags.Check(executor.Kind, executor.CommandTemplate, executor.Workspace);

        // Served drains run phases: the command is checked now, not found broken one phase at a time.
        DrainFlags.CheckExecutable(executor.Kind, executor.CommandTemplate, executor.Workspace);
        if (!DatabaseEnvironment.TryRead(stderr, out var database))
        {
            return 1;
        }

        // The database is reached once before serving, so that a wrong password or database name
        // stops `serve` with one line instead of failing every drain it is asked for.
        await using (var admin = await BacklogAdmin.OpenAsync(database))
        {
            stdout.WriteLine((await admin.DescribeAsync()).IdentityLine);
        }

        var environment = LocalEnvironment.FromProcess(database.Backlog);
        await using var host = await LocalDrainHost.StartAsync(environment, database, executor, stderr);
        var api = new DrainApi(host.Drains, host.Ledger, new DrainOptions());
        var agents = new AgentApi(host.Agents, host.Client);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(CliLogging.Current);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        var hosts = LocalHosts(port);
        app.Use(async (context, next) =>
        {
            // Another host name for 127.0.0.1 (DNS rebinding) or another origin (any web page the
            // user has open) must not reach the drains: browsers send such requests without asking.
            var request = context.Request;
            if (!hosts.Contains(request.Host.Value ?? string.Empty, StringComparer.OrdinalIgnoreCase))
            {
                await Write(context, ApiResult.Problem(403, "Forbidden", $"this server answers only as {string.Join(" or ", hosts)}"));
                return;
            }

            if (ApiRequests.Refuse(request.Method, request.ContentType, request.ContentLength, request.Headers.Origin.FirstOrDefault(), hosts.Select(h => "http://" + h)) is { } refusal)
            {
                await Write(context, refusal);
                return;
            }

            await next();
        });
        UseProblemAnswers(app, stderr);
        DashboardRoutes.UsePage(app);
        if (string.IsNullOrEmpty(key))
        {
            stderr.WriteLine($"drain serve: WARNING: no key (--key or DRAIN_API_KEY): every program on this machine can start, cancel and read drains at http://127.0.0.1:{port}/api. Give a key unless this machine is yours alone.");
        }

        if (!string.IsNullOrEmpty(key) || !string.IsNullOrEmpty(keys.Agents))
        {
            app.Use(async (context, next) =>
            {
                // The agents' key opens only the agents' own routes; the operators' key opens all.
                var agentRoute = HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/api/agents", StringComparison.Ordinal);
                string?[] accepted = agentRoute ? [key, keys.Agents] : [key];
                if (accepted.All(string.IsNullOrEmpty))
                {
                    await next();
                    return;
                }

                var given = context.Request.Query["code"].FirstOrDefault() ?? context.Request.Headers["x-functions-key"].FirstOrDefault();
                if (given is null || !accepted.Any(k => !string.IsNullOrEmpty(k) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(k))))
                {
                    await Write(context, ApiResult.Problem(401, "Unauthorized", "a function key is required: ?code=KEY or the x-functions-key header"));
                    return;
                }

                await next();
            });
        }

        MapRoutes(app, api);
        MapAgentRoutes(app, agents);
        await app.StartAsync();
        stdout.WriteLine($"Serving the drain API on http://127.0.0.1:{port}/api (Ctrl-C stops)");
        while (interrupts.Count == 0)
        {
            await Task.Delay(200);
        }

        await app.StopAsync();
        return 0;
    }

    /// <summary>
    /// A request that fails outside its handler's answers (storage, the durable backend, a corrupt
    /// session blob) gets the Function App's problem+json (<see cref="ApiFailures"/>: 503 with
    /// Retry-After when something did not answer, else 500), and the one running serve reads why.
    /// </summary>
    public static void UseProblemAnswers(WebApplication app, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(stderr);
        app.Use(async (context, next) =>
        {
            try
            {
                await next();
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                stderr.WriteLine($"drain serve: {context.Request.Method} {context.Request.Path} failed: {ex.GetType().Name}: {ex.Message}");
                await Write(context, ApiFailures.ToResult(ex));
            }
        });
    }

    /// <summary>The agents' routes of the Function App, mapped to the same handler methods.</summary>
    public static void MapAgentRoutes(WebApplication app, AgentApi agents)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(agents);
        app.MapGet("/api/agents", async (HttpContext c) => await Write(c, await agents.ListAsync(c.RequestAborted)));
        app.MapPost("/api/agents/claim", async (HttpContext c) => await WithBody(c, agents.ClaimAsync));
        app.MapPost("/api/agents/heartbeat", async (HttpContext c) => await WithBody(c, agents.HeartbeatAsync));
        app.MapPost("/api/agents/work/{sessionId}/{attemptId}/log", async (HttpContext c, string sessionId, string attemptId) => await WithBody(c, (body, ct) => agents.AppendLogAsync(sessionId, attemptId, body, ct)));
        app.MapPost("/api/agents/work/{sessionId}/{attemptId}/result", async (HttpContext c, string sessionId, string attemptId) => await WithBody(c, (body, ct) => agents.ReportAsync(sessionId, attemptId, body, ct)));
    }

    /// <summary>The routes of the Function App's HTTP functions, mapped to the same handler methods; and the OpenAPI document also where ASP.NET Core serves one.</summary>
    public static void MapRoutes(WebApplication app, DrainApi api)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(api);
        DrainApi At(HttpContext c) => api.At(new ApiBase("http://" + c.Request.Host.Value, c.Request.Query["code"].FirstOrDefault()));
        app.MapPost("/api/drains", async (HttpContext c) => await WithBody(c, At(c).StartAsync));
        app.MapGet("/api/drains", async (HttpContext c) => await Write(c, await At(c).ListAsync(c.Request.Query["top"].FirstOrDefault(), c.Request.Query["status"].FirstOrDefault(), c.Request.Query["continuationToken"].FirstOrDefault(), c.RequestAborted)));
        app.MapPost("/api/drains/preview", async (HttpContext c) => await WithBody(c, At(c).PreviewAsync));
        app.MapPost("/api/drains/resume", async (HttpContext c) => await WithBody(c, At(c).ResumeAsync));
        app.MapPost("/api/drains/continue", async (HttpContext c) => await WithBody(c, At(c).ResumeAsync));
        app.MapGet("/api/drains/{sessionId}", async (HttpContext c, string sessionId) => await Write(c, await At(c).GetAsync(sessionId, c.RequestAborted)));
        app.MapGet("/api/drains/{sessionId}/summary", async (HttpContext c, string sessionId) => await Write(c, await At(c).SummaryAsync(sessionId, c.RequestAborted)));
        app.MapGet("/api/drains/{sessionId}/logs/{runId}/{phaseId}", async (HttpContext c, string sessionId, string runId, string phaseId) => await Write(c, await At(c).LogsAsync(sessionId, runId, phaseId, c.RequestAborted)));
        app.MapGet("/api/drains/{sessionId}/logs/{runId}/{phaseId}/follow", async (HttpContext c, string sessionId, string runId, string phaseId) => await Write(c, await At(c).FollowLogsAsync(sessionId, runId, phaseId, c.Request.Query["stdoutFrom"].FirstOrDefault(), c.Request.Query["stderrFrom"].FirstOrDefault(), c.RequestAborted)));
        app.MapPost("/api/drains/{sessionId}/cancel", async (HttpContext c, string sessionId) => await Write(c, await At(c).CancelAsync(sessionId, c.Request.Query["mode"].FirstOrDefault(), c.RequestAborted)));
        app.MapGet("/api/ledger", async (HttpContext c) => await Write(c, await At(c).LedgerAsync(c.RequestAborted)));
        app.MapDelete("/api/ledger/runs/{runId}", async (HttpContext c, string runId) => await Write(c, await At(c).ForgetRunAsync(runId, c.RequestAborted)));
        app.MapGet("/api/openapi.json", async (HttpContext c) => await Write(c, ApiDocument.Answer()));
        app.MapGet("/openapi/v1.json", async (HttpContext c) => await Write(c, ApiDocument.Answer()));
        app.MapGet("/api/options", async (HttpContext c) => await Write(c, At(c).Options()));
        DashboardRoutes.Map(app);
    }

    /// <summary>The host names this server answers to: its loopback address and localhost, with its port.</summary>
    private static string[] LocalHosts(int port) =>
        [$"127.0.0.1:{port}", $"localhost:{port}", $"[::1]:{port}"];

    /// <summary>Runs a handler on the body (at most <see cref="ApiRequests.MaxBodyBytes"/>, UTF-8), or answers why not.</summary>
    private static async Task WithBody(HttpContext context, Func<string?, CancellationToken, Task<ApiResult>> handler)
    {
        var (body, error) = await ApiRequests.ReadBodyAsync(context.Request.Body, context.RequestAborted);
        await Write(context, error ?? await handler(body, context.RequestAborted));
    }

    private static async Task Write(HttpContext context, ApiResult result)
    {
        context.Response.StatusCode = result.Status;
        context.Response.ContentType = result.ContentType;
        foreach (var (name, value) in result.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(result.Body, context.RequestAborted);
    }
}
