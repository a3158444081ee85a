using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DrainFunctions.Core.Phases;
using Xunit.Abstractions;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Issue 14: real <c>drain agent</c> processes against a real <c>drain serve --executor agent</c>
/// on Azurite: phases run once each across agents and slots, a killed agent's phase is lost and
/// restored, a paused agent's late result is refused and its process killed, agents ride out a
/// server restart, and a hanging phase dies at its deadline on the agent's machine.
/// </summary>
public sealed class AgentEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(4);

    private static async Task AddPhasesAsync(AgentBed bed, int runs, int phasesPerRun)
    {
        await bed.Bed.InitAsync();
        for (var r = 1; r <= runs; r++)
        {
            for (var p = 1; p <= phasesPerRun; p++)
            {
                await bed.Bed.AddPhaseAsync($"run{r:00}", $"p{p}", p);
            }
        }
    }

    private static void AssertEachStartedOnce(AgentBed bed, int expected)
    {
        var starts = bed.Bed.Events().Where(e => e.Kind == "start").GroupBy(e => e.Key).ToList();
        Assert.Equal(expected, starts.Count);
        Assert.All(starts, g => Assert.True(g.Count() == 1, $"{g.Key} started {g.Count()} times"));
        Assert.Empty(bed.Bed.Overlaps());
    }

    [Fact]
    public async Task Agents_TwoAgentsTwoSlotsEach_DrainTwentyPhasesEachOnce()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 10, phasesPerRun: 2);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 0.3 } });
        bed.StartServe();
        var a1 = bed.StartAgent("a1", 2);
        var a2 = bed.StartAgent("a2", 2);
        using var wrongKey = await new HttpClient().GetAsync($"{bed.Endpoint}/api/drains?code={AgentBed.AgentKey}");

        var listed = await ListedAsync(bed, 2);
        var session = await bed.WaitForSessionAsync(await bed.StartDrainAsync("""{"batchSize":20,"parallel":4}"""), Long);
        AgentBed.Signal(a1, "-INT");
        AgentBed.Signal(a2, "-INT");
        Assert.Equal(0, await a1.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, await a2.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        output.WriteLine($"a1: {AgentBed.Turnaround(a1)}");
        output.WriteLine($"a2: {AgentBed.Turnaround(a2)}");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode); // the agents' key opens only the agents' routes
        Assert.Equal(["a1", "a2"], listed);
        Assert.Equal(20, session.Results.Count);
        Assert.All(session.Results, r => Assert.True(r.Success, $"{r.Key}: {r.ErrorMessage}"));
        Assert.Equal(["a1", "a2"], session.Results.Select(r => r.Agent!).Distinct().Order().ToArray());
        Assert.Equal(20, session.Results.Select(r => r.Key).Distinct().Count());
        AssertEachStartedOnce(bed, 20);
        Assert.All(bed.Bed.Phases().Values, p => Assert.Equal("COMPLETE", p.State));
        Assert.Contains("slot turnaround median", a1.Stdout + a2.Stdout, StringComparison.Ordinal);

        // Without an OTLP endpoint the agents record nothing, and the executors run in the phase span's context.
        var traceParents = bed.Bed.TraceParents();
        Assert.All(session.Results, r => Assert.Equal(Durable.Telemetry.TraceIds.TraceParent(session.SessionId, r.AttemptId!), traceParents[r.Key]));
    }

    [Fact]
    public async Task Agent_KilledMidPhase_PhaseLostRestoredOrphanKilledAndDrainGoesOn()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 3, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 120 } });
        bed.StartServe();
        var doomed = bed.StartAgent("doomed", 1);
        var sessionId = await bed.StartDrainAsync("""{"batchSize":3}""");
        var first = bed.Bed.Events().FirstOrDefault(e => e.Kind == "start") ?? await WaitForAnyStartAsync(bed);

        doomed.Crash();
        var killedAt = DateTimeOffset.UtcNow;
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 0.3 } });
        var restarted = bed.StartAgent("doomed", 1);
        var session = await bed.WaitForSessionAsync(sessionId, Long);

        var lost = session.Results.Single(r => r.Key == first.Key);
        output.WriteLine($"lost result after {(DateTimeOffset.Parse(lost.Timestamp, CultureInfo.InvariantCulture) - killedAt).TotalSeconds:0.0} s (heartbeat timeout {bed.HeartbeatSeconds} s)");
        Assert.Equal(PhaseInterruptions.Lost, lost.InterruptedBy);
        Assert.Contains("agent doomed sent no heartbeat for 4 s", lost.ErrorMessage, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(lost.Timestamp, CultureInfo.InvariantCulture) - killedAt < TimeSpan.FromSeconds(bed.HeartbeatSeconds * 3), $"lost only at {lost.Timestamp}, killed at {killedAt:O}");
        Assert.Equal("FAILED", bed.Bed.Phases()[first.Key].State);
        Assert.False(AgentBed.IsAlive(first.Pid), "the killed agent's executor outlived it");
        Assert.Contains($"Agent doomed: attempt {lost.AttemptId} of a previous run: 1 process(es) left, killed", restarted.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, session.Results.Count);
        Assert.Equal(2, session.Results.Count(r => r.Success));
        AssertEachStartedOnce(bed, 3);
    }

    [Fact]
    public async Task Agent_PausedPastHeartbeatTimeout_LateResultRefusedProcessKilled()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 1, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 120 } });
        bed.StartServe();
        var sleepy = bed.StartAgent("sleepy", 1);
        var sessionId = await bed.StartDrainAsync("""{"batchSize":1}""");
        var start = await WaitForAnyStartAsync(bed);

        AgentBed.Signal(sleepy, "-STOP");
        var session = await bed.WaitForSessionAsync(sessionId, Long);
        AgentBed.Signal(sleepy, "-CONT");
        var refused = sleepy.WaitForLine(l => l.Contains("result refused", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var result = Assert.Single(session.Results);
        Assert.Equal(PhaseInterruptions.Lost, result.InterruptedBy);
        Assert.Contains("stopped (the drain took it back): process tree killed", refused, StringComparison.Ordinal);
        Assert.False(AgentBed.IsAlive(start.Pid), "the paused agent's executor was not killed");
        Assert.DoesNotContain(bed.Bed.Events(), e => e.Kind == "done");
        Assert.Equal("FAILED", bed.Bed.Phases()[start.Key].State);
        Assert.Equal(0, (await bed.AgentsAsync()).GetProperty("agents").EnumerateArray().Single().GetProperty("running").GetArrayLength());
    }

    [Fact]
    public async Task Agents_ServerRestartedWhileTheyWait_ReconnectAndNothingIsLost()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 4, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 0.3 } });
        var first = bed.StartServe();
        var agent = bed.StartAgent("patient", 2);

        first.Crash();
        await first.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!agent.Stderr.Contains("the server is unreachable", StringComparison.Ordinal) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        bed.StartServe();
        var session = await bed.WaitForSessionAsync(await bed.StartDrainAsync("""{"batchSize":4,"parallel":2}"""), Long);

        Assert.Contains("drain agent: the server answers again", agent.Stderr, StringComparison.Ordinal);
        Assert.Equal(4, session.Results.Count(r => r.Success && r.Agent == "patient"));
        AssertEachStartedOnce(bed, 4);
    }

    [Fact]
    public async Task Agent_PhaseHangs_KilledAtItsDeadlineOnTheAgentsMachine()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 1, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 600 } });
        bed.StartServe();
        var agent = bed.StartAgent("keeper", 1);
        var session = await bed.WaitForSessionAsync(await bed.StartDrainAsync("""{"batchSize":1,"phaseTimeoutSeconds":3}"""), Long);
        var start = await WaitForAnyStartAsync(bed);
        var said = agent.WaitForLine(l => l.Contains("timed out at its deadline", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var result = Assert.Single(session.Results);
        Assert.Equal("TIMEOUT", result.FinalState);
        Assert.Equal("keeper", result.Agent);
        Assert.Contains("result reported", said, StringComparison.Ordinal);
        Assert.False(AgentBed.IsAlive(start.Pid), "the hanging executor outlived its deadline");
        Assert.Equal("FAILED", bed.Bed.Phases()[start.Key].State);
        Assert.Contains("timed out after 3 seconds", bed.Bed.Phases()[start.Key].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_PhaseWritingPastItsTimeout_DeadlineMovedThroughTheHeartbeatUpToTheMaximumThenKilled()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 1, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 600, ["tick"] = 0.3 } });
        bed.StartServe();
        var agent = bed.StartAgent("stretcher", 1);
        var session = await bed.WaitForSessionAsync(await bed.StartDrainAsync("""{"batchSize":1,"phaseTimeoutSeconds":3,"extendOnProgress":true,"maxPhaseTimeoutSeconds":9}"""), Long);
        var start = await WaitForAnyStartAsync(bed);
        agent.WaitForLine(l => l.Contains("timed out at its deadline", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var result = Assert.Single(session.Results);
        Assert.Equal("TIMEOUT", result.FinalState);
        Assert.True(result.ErrorMessage == "Phase execution timed out after 9 seconds", $"{result.ErrorMessage}\nagent:\n{agent.Stdout}\nserve:\n{bed.Serve.Stdout}\n{bed.Serve.Stderr}\nmarker:\n{(await bed.MarkerAsync(session.SessionId, result.AttemptId!))?.Serialize()}\n{await bed.LogFactsAsync(session.SessionId, result.RunId, result.PhaseId)}\nevents:\n{File.ReadAllText(bed.Bed.EventsPath)}");
        Assert.Equal([6, 9], result.Extensions!.Select(e => e.TimeoutSeconds));
        Assert.Contains("the drain moved its deadline on", agent.Stdout, StringComparison.Ordinal);
        Assert.False(AgentBed.IsAlive(start.Pid), "the executor outlived its extended deadline");

        // It ran on past the base timeout and stopped at the extended deadline.
        var ticks = File.ReadAllLines(bed.Bed.EventsPath).Where(l => l.StartsWith("tick ", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(ticks[^1] - ticks[0], 7.5, 9.5);
        Assert.Contains("timed out after 9 seconds", bed.Bed.Phases()[start.Key].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_CtrlCOnceThenTwice_FinishesNothingNewThenStopsItsPhaseWhichIsRestored()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 2, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 120 } });
        bed.StartServe();
        var agent = bed.StartAgent("polite", 1);
        var sessionId = await bed.StartDrainAsync("""{"batchSize":1}""");
        var start = await WaitForAnyStartAsync(bed);

        AgentBed.Signal(agent, "-INT");
        agent.WaitForLine(l => l == "Agent polite: stopping after the 1 running phase(s) (Ctrl-C again stops them)", TimeSpan.FromMinutes(1));
        Assert.True(AgentBed.IsAlive(start.Pid), "the first Ctrl-C must let the running phase go on");
        AgentBed.Signal(agent, "-INT");
        var code = await agent.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var session = await bed.WaitForSessionAsync(sessionId, Long);

        Assert.Equal(0, code);
        var result = Assert.Single(session.Results);
        Assert.Equal(PhaseInterruptions.Cancel, result.InterruptedBy);
        Assert.Equal("Interrupted: executor stopped from outside; phase restored to FAILED", result.ErrorMessage);
        Assert.Equal("polite", result.Agent);
        Assert.False(AgentBed.IsAlive(start.Pid), "the second Ctrl-C must stop the running phase");
        Assert.Equal("FAILED", bed.Bed.Phases()[start.Key].State);
        Assert.Contains("stopped (Ctrl-C twice): process tree killed; result reported", agent.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_WithOtlpEndpoint_ContinuesTheDrainsTraceIntoTheExecutor()
    {
        using var bed = new AgentBed();
        await AddPhasesAsync(bed, runs: 1, phasesPerRun: 1);
        bed.Bed.Plan(new JsonObject { ["default"] = new JsonObject { ["sleep"] = 0.2 } });
        bed.StartServe();
        using var collector = new System.Net.HttpListener();
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var traces = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
        var serving = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                try
                {
                    var context = await collector.GetContextAsync();
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    if (context.Request.Url!.AbsolutePath == "/v1/traces")
                    {
                        traces.Add(body.ToArray());
                    }

                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
        var agent = bed.StartAgent("traced", 1, extra: new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });

        var session = await bed.WaitForSessionAsync(await bed.StartDrainAsync("""{"batchSize":1}"""), Long);
        AgentBed.Signal(agent, "-INT");
        Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        collector.Stop();
        await serving;

        var result = Assert.Single(session.Results);
        var traceParent = bed.Bed.TraceParents()[result.Key].Split('-');
        var trace = Durable.Telemetry.TraceIds.Trace(session.SessionId).ToHexString();
        var phaseSpan = Durable.Telemetry.TraceIds.PhaseSpan(result.AttemptId!).ToHexString();
        Assert.Equal(trace, traceParent[1]);
        Assert.NotEqual(phaseSpan, traceParent[2]); // the executor runs inside the agent's own span ...

        // ... which the agent exported in the drain's trace, as a child of the phase span.
        Assert.Contains(traces, body => Has(body, trace) && Has(body, traceParent[2]) && Has(body, phaseSpan));
    }

    private static bool Has(byte[] body, string hex) => body.AsSpan().IndexOf(Convert.FromHexString(hex)) >= 0;

    [Fact]
    public async Task Agent_SecondOfTheSameNameOnOneMachine_RefusedWithExit2AndTheFirstUntouched()
    {
        using var bed = new AgentBed();
        var first = bed.StartAgent("twin", 1);
        var env = new Dictionary<string, string> { ["DRAIN_AGENT_KEY"] = AgentBed.AgentKey, ["DRAIN_API_KEY"] = string.Empty, ["DRAIN_AGENT_STATE"] = Path.Combine(bed.Bed.Folder, "agent-state") };
        using var second = DrainProcess.Start(env, "agent", "--endpoint", bed.Endpoint, "--name", "twin", "--executor-command", bed.Bed.Template);

        Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("drain: error: argument --name: another agent named twin runs on this machine", second.Stderr, StringComparison.Ordinal);
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task Agent_WrongKey_ExitsOneNamingTheRefusal()
    {
        using var bed = new AgentBed();
        await bed.Bed.InitAsync();
        bed.StartServe();
        var env = new Dictionary<string, string> { ["DRAIN_AGENT_KEY"] = "wrong", ["DRAIN_API_KEY"] = string.Empty, ["DRAIN_AGENT_STATE"] = Path.Combine(bed.Bed.Folder, "agent-state") };
        using var agent = DrainProcess.Start(env, "agent", "--endpoint", bed.Endpoint, "--name", "intruder", "--executor-command", bed.Bed.Template);

        Assert.Equal(1, await agent.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("drain agent: the server refused the agent: 401", agent.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The agents list once it holds <paramref name="count"/> agents (an agent is listed from its first claim).</summary>
    private static async Task<string[]> ListedAsync(AgentBed bed, int count)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        string[] names;
        do
        {
            names = [.. (await bed.AgentsAsync()).GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("name").GetString()!)];
            await Task.Delay(100);
        }
        while (names.Length < count && DateTime.UtcNow < until);
        return names;
    }

    private static async Task<ExecutorEvent> WaitForAnyStartAsync(AgentBed bed)
    {
        var until = DateTime.UtcNow + Long;
        while (DateTime.UtcNow < until)
        {
            if (bed.Bed.Events().FirstOrDefault(e => e.Kind == "start") is { } start)
            {
                return start;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("no executor started");
    }
}
