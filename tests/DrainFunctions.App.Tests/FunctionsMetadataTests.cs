using System.Text.Json.Nodes;

namespace DrainFunctions.App.Tests;

/// <summary>The build output is a deployable isolated-worker app: functions.metadata lists every trigger.</summary>
public sealed class FunctionsMetadataTests
{
    internal static readonly string RepoRoot = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (DrainFunctions.sln) not found");
    }

    private static JsonArray Metadata()
    {
        var output = Path.Combine(RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0");
        var file = Path.Combine(output, "functions.metadata");
        Assert.True(File.Exists(file), $"{file} is missing: build src/DrainFunctions.App -c Release (this test project builds it first)");
        return JsonNode.Parse(File.ReadAllText(file))!.AsArray();
    }

    private static JsonObject Trigger(JsonArray metadata, string function)
    {
        var f = metadata.FirstOrDefault(n => (string?)n!["name"] == function);
        Assert.True(f is not null, $"function {function} is not in functions.metadata");
        return f!["bindings"]!.AsArray().Select(b => b!.AsObject()).Single(b => ((string?)b["type"])!.EndsWith("Trigger", StringComparison.Ordinal));
    }

    /// <summary>The trigger binding of an HTTP function.</summary>
    internal static JsonObject HttpTrigger(string function) => Trigger(Metadata(), function);

    [Fact]
    public void FunctionsMetadata_Orchestrator_HasOrchestrationTrigger()
    {
        Assert.Equal("orchestrationTrigger", (string?)Trigger(Metadata(), "DrainOrchestrator")["type"]);
    }

    [Theory]
    [InlineData("SelectNextPhase")]
    [InlineData("CaptureTelemetrySnapshot")]
    [InlineData("RunPhaseExecutor")]
    [InlineData("RestorePhase")]
    [InlineData("SettlePhaseOutcome")]
    [InlineData("SaveSessionSnapshot")]
    [InlineData("FinishSession")]
    [InlineData("RecordLedgerEntry")]
    [InlineData("CheckAgentWork")]
    public void FunctionsMetadata_Activity_HasActivityTrigger(string activity)
    {
        Assert.Equal("activityTrigger", (string?)Trigger(Metadata(), activity)["type"]);
    }

    [Fact]
    public void FunctionsMetadata_EveryLibraryActivity_HasAFunction()
    {
        var names = Metadata().Select(n => (string?)n!["name"]).ToHashSet();
        var activities = typeof(Durable.Hosting.DrainRegistration).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(Microsoft.DurableTask.TaskActivity<,>))
            .Select(t => t.Name).ToList();
        Assert.NotEmpty(activities);
        Assert.All(activities, a => Assert.Contains(a, names));
    }

    [Theory]
    [InlineData("StartDrain", "drains", "post")]
    [InlineData("ListDrains", "drains", "get")]
    [InlineData("GetDrain", "drains/{sessionId}", "get")]
    [InlineData("GetDrainSummary", "drains/{sessionId}/summary", "get")]
    [InlineData("GetDrainLogs", "drains/{sessionId}/logs/{runId}/{phaseId}", "get")]
    [InlineData("FollowDrainLogs", "drains/{sessionId}/logs/{runId}/{phaseId}/follow", "get")]
    [InlineData("CancelDrain", "drains/{sessionId}/cancel", "post")]
    [InlineData("PreviewDrain", "drains/preview", "post")]
    [InlineData("ResumeDrain", "drains/resume", "post")]
    [InlineData("ContinueDrain", "drains/continue", "post")]
    [InlineData("GetOpenApi", "openapi.json", "get")]
    [InlineData("GetLedger", "ledger", "get")]
    [InlineData("ForgetLedgerRun", "ledger/runs/{runId}", "delete")]
    [InlineData("ListAgents", "agents", "get")]
    [InlineData("ClaimAgentWork", "agents/claim", "post")]
    [InlineData("AgentHeartbeat", "agents/heartbeat", "post")]
    [InlineData("AppendAgentLog", "agents/work/{sessionId}/{attemptId}/log", "post")]
    [InlineData("ReportAgentResult", "agents/work/{sessionId}/{attemptId}/result", "post")]
    [InlineData("GetDrainOptions", "options", "get")]
    public void FunctionsMetadata_HttpFunction_HasRouteMethodAndFunctionKey(string function, string route, string method)
    {
        var t = Trigger(Metadata(), function);
        Assert.Equal("httpTrigger", (string?)t["type"]);
        Assert.Equal(route, (string?)t["route"]);
        Assert.Equal([method], t["methods"]!.AsArray().Select(m => ((string?)m)!.ToLowerInvariant()));
        Assert.Equal("Function", ((string?)t["authLevel"])!, ignoreCase: true);
    }

    [Fact]
    public void FunctionsMetadata_Timer_HasScheduleFromSetting()
    {
        var t = Trigger(Metadata(), "ScheduledDrain");
        Assert.Equal("timerTrigger", (string?)t["type"]);
        Assert.Equal("%DRAIN_SCHEDULE%", (string?)t["schedule"]);
    }

    [Fact]
    public void FunctionsMetadata_PurgeTimer_HourlyWhateverTheDrainSchedule()
    {
        var t = Trigger(Metadata(), "PurgeHistory");
        Assert.Equal("timerTrigger", (string?)t["type"]);
        Assert.Equal("0 17 * * * *", (string?)t["schedule"]);
    }

    [Fact]
    public void OpenApiDocument_EveryHttpFunction_HasItsRouteAndMethod()
    {
        var paths = JsonNode.Parse(Durable.Api.ApiDocument.Json)!["paths"]!.AsObject();
        var http = Metadata().Select(f => f!["bindings"]!.AsArray().Select(b => b!.AsObject()).FirstOrDefault(b => (string?)b["type"] == "httpTrigger")).OfType<JsonObject>().ToList();
        Assert.True(http.Count >= 13, $"{http.Count} HTTP functions");
        foreach (var trigger in http)
        {
            var path = "/api/" + (string?)trigger["route"];
            Assert.True(paths.ContainsKey(path), $"{path} is not in openapi.json");
            foreach (var method in trigger["methods"]!.AsArray().Select(m => ((string?)m)!.ToLowerInvariant()))
            {
                Assert.True(paths[path]!.AsObject().ContainsKey(method), $"{method} {path} is not in openapi.json");
            }
        }

        var documented = paths.Sum(p => p.Value!.AsObject().Count);
        Assert.Equal(http.Sum(t => t["methods"]!.AsArray().Count), documented);
    }

    [Fact]
    public void OpenApiDocument_ReadAsOpenApi30_NoErrorsNoWarnings()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Durable.Api.ApiDocument.Json));
        var document = new Microsoft.OpenApi.Readers.OpenApiStreamReader().Read(stream, out var diagnostic);

        Assert.Empty(diagnostic.Errors.Select(e => e.ToString()));
        Assert.Empty(diagnostic.Warnings.Select(e => e.ToString()));
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_0, diagnostic.SpecificationVersion);
        Assert.All(document.Paths.SelectMany(p => p.Value.Operations), o => Assert.False(string.IsNullOrEmpty(o.Value.OperationId)));
    }

    [Fact]
    public void OpenApiDocument_DrainRequest_HasEveryBodyField()
    {
        var properties = JsonNode.Parse(Durable.Api.ApiDocument.Json)!["components"]!["schemas"]!["DrainRequest"]!["properties"]!.AsObject();
        var fields = Core.Options.DrainOptionCatalog.On(Core.Options.DrainOptionSurfaces.HttpBody).Select(s => s.JsonName).ToList();
        Assert.Equal(fields.Order(StringComparer.Ordinal), properties.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void BuildOutput_HostJson_IsCopiedWithHubNameSetting()
    {
        var hostJson = Path.Combine(RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0", "host.json");
        Assert.True(File.Exists(hostJson), "host.json is not copied into the app's output");
        var host = JsonNode.Parse(File.ReadAllText(hostJson))!;
        Assert.Equal("%DURABLE_TASK_HUB_NAME%", (string?)host["extensions"]!["durableTask"]!["hubName"]);
        Assert.NotNull(host["functionTimeout"]);
    }

    [Fact]
    public void BuildOutput_HostJson_SendsTheHostsTelemetryThroughOpenTelemetry()
    {
        var hostJson = Path.Combine(RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0", "host.json");
        var host = JsonNode.Parse(File.ReadAllText(hostJson))!;

        // The host's own logs and traces then go where the worker's go (docs/observability.md).
        Assert.Equal("OpenTelemetry", (string?)host["telemetryMode"]);
    }
}
