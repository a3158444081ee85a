using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// A real <c>drain serve --executor agent</c> on a <see cref="CrashBed"/> backlog, real
/// <c>drain agent</c> processes (without storage or database settings of their own beyond what the
/// executor script needs), drains started over HTTP, and the session read back from storage.
/// </summary>
internal sealed class AgentBed : IDisposable
{
    public const string OperatorKey = "op-key-for-tests";
    public const string AgentKey = "agent-key-for-tests";

    private readonly List<DrainProcess> processes = [];

    public AgentBed(double heartbeatSeconds = 4)
    {
        HeartbeatSeconds = heartbeatSeconds;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Http = new HttpClient { BaseAddress = new Uri(Endpoint + "/"), Timeout = TimeSpan.FromMinutes(2) };
        Http.DefaultRequestHeaders.Add("x-functions-key", OperatorKey);
    }

    public CrashBed Bed { get; } = new();

    public double HeartbeatSeconds { get; }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public DrainProcess Serve { get; private set; } = null!;

    public DrainProcess StartServe()
    {
        var env = new Dictionary<string, string>(Bed.Environment) { ["DRAIN_API_KEY"] = string.Empty };
        Serve = Track(DrainProcess.Start(env, "serve", "--port", Port.ToString(CultureInfo.InvariantCulture), "--executor", "agent",
            "--heartbeat-timeout", HeartbeatSeconds.ToString(CultureInfo.InvariantCulture), "--key", OperatorKey, "--agent-key", AgentKey));
        Serve.WaitForLine(l => l.StartsWith("Serving the drain API", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        return Serve;
    }

    /// <summary>An agent: only the endpoint and its key, plus DATABASE_URL for the executor script (Autopack's own need).</summary>
    public DrainProcess StartAgent(string name, int slots, string? key = AgentKey, IReadOnlyDictionary<string, string>? extra = null)
    {
        var env = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["DATABASE_URL"] = Bed.Environment["DATABASE_URL"],
            ["DRAIN_AGENT_KEY"] = key ?? string.Empty,
            ["DRAIN_API_KEY"] = string.Empty,
            ["DRAIN_AGENT_STATE"] = Path.Combine(Bed.Folder, "agent-state"),
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=none;AccountKey=bm9uZQ==;BlobEndpoint=http://127.0.0.1:9/none;",
        };
        var agent = Track(DrainProcess.Start(env, "agent", "--endpoint", Endpoint, "--slots", slots.ToString(CultureInfo.InvariantCulture), "--name", name, "--executor-command", Bed.Template));
        agent.WaitForLine(l => l.StartsWith($"Agent {name}: {slots} slot(s), pulling work", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        return agent;
    }

    /// <summary>Starts a drain through the API; returns its session id.</summary>
    public async Task<string> StartDrainAsync(string body)
    {
        using var started = await Http.PostAsync("api/drains", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await started.Content.ReadAsStringAsync();
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Waits until the drain ended (its status answers 200), then reads its session from storage.</summary>
    public async Task<DrainSession> WaitForSessionAsync(string sessionId, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            using var status = await Http.GetAsync($"api/drains/{sessionId}");
            if (status.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < until, $"the drain did not end within {within}: {await status.Content.ReadAsStringAsync()}\nserve:\n{Serve.Stderr}");
            await Task.Delay(250);
        }

        var options = Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ConnectionString = Bed.Environment["AzureWebJobsStorage"], ContainerName = Bed.Environment["Snapshots__ContainerName"] });
        var store = new BlobSessionStore(DrainRegistration.CreateBlobServiceClient(options.Value), options);
        return await store.LoadAsync(sessionId) ?? throw new InvalidOperationException($"session {sessionId} was not saved");
    }

    /// <summary>The attempt's marker, for what a failed assertion shows.</summary>
    public async Task<AttemptRecord?> MarkerAsync(string sessionId, string attemptId)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ConnectionString = Bed.Environment["AzureWebJobsStorage"], ContainerName = Bed.Environment["Snapshots__ContainerName"] });
        return await new BlobSessionStore(DrainRegistration.CreateBlobServiceClient(options.Value), options).ReadAttemptAsync(sessionId, attemptId);
    }

    /// <summary>The attempt's stdout blob: its length and when it was created and last written.</summary>
    public async Task<string> LogFactsAsync(string sessionId, string runId, string phaseId)
    {
        var options = new SnapshotOptions { ConnectionString = Bed.Environment["AzureWebJobsStorage"], ContainerName = Bed.Environment["Snapshots__ContainerName"] };
        var blob = DrainRegistration.CreateBlobServiceClient(options).GetBlobContainerClient(options.ContainerName).GetBlobClient(BlobSessionStore.LogBlobName(sessionId, runId, phaseId, "stdout"));
        var p = (await blob.GetPropertiesAsync()).Value;
        return $"stdout: {p.ContentLength} bytes, created {p.CreatedOn:O}, last modified {p.LastModified:O}";
    }

    public async Task<JsonElement> AgentsAsync() => JsonDocument.Parse(await Http.GetStringAsync("api/agents")).RootElement;

    public static void Signal(DrainProcess process, string signal)
    {
        using var kill = Process.Start("kill", [signal, process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');

    /// <summary>The agent's "slot turnaround median X ms, p95 Y ms (N samples)" line, once it stopped.</summary>
    public static string Turnaround(DrainProcess agent) =>
        agent.Stdout.Split('\n').LastOrDefault(l => l.Contains("slot turnaround", StringComparison.Ordinal)) ?? "(none)";

    private DrainProcess Track(DrainProcess process)
    {
        processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in processes)
        {
            process.Dispose();
        }

        Http.Dispose();
        Bed.Dispose();
    }
}
