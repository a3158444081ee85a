using System.Text.Json;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// <c>drain forecast</c> and <c>drain --dry-run --prioritize forecast</c> on the demo backlog, with
/// one earlier session imported into a fresh blob container (real SQLite file, real Azurite, the
/// real command line).
/// </summary>
public sealed class ForecastCommandTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-forecast-");
    private readonly string container = "forecast-" + Guid.NewGuid().ToString("N")[..12];

    private static string Azurite => Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
        ? azurite
        : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.");

    public void Dispose() => folder.Delete(recursive: true);

    /// <summary>The demo backlog, and an earlier session: research-system-v4's KeyError phase succeeded, docs-refresh-v1's assertion failure failed again.</summary>
    private async Task<Dictionary<string, string>> DatabaseWithHistoryAsync()
    {
        var url = "sqlite:///" + Path.Combine(folder.FullName, "demo.db");
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(url)))
        {
            await admin.InitSchemaAsync();
            await admin.SeedDemoAsync();
        }

        var environment = new Dictionary<string, string> { ["DATABASE_URL"] = url, ["AzureWebJobsStorage"] = Azurite, ["Snapshots__ContainerName"] = container };
        var session = new DrainSession
        {
            SessionId = "batch-drain-20261101-100000",
            StartedAt = "2026-11-01T10:00:00+00:00",
            CompletedAt = "2026-11-01T10:07:00+00:00",
            BatchSize = 2,
            Results =
            [
                new DrainResult { RunId = "research-system-v4", PhaseId = "p02-schema-models", PhaseIndex = 2, InitialState = "FAILED", FinalState = "COMPLETE", Success = true, SubprocessReturncode = 0, SubprocessDurationSeconds = 240, TelemetryEventsCollected = 12, Timestamp = "2026-11-01T10:04:00+00:00" },
                new DrainResult { RunId = "docs-refresh-v1", PhaseId = "p04-api-endpoints", PhaseIndex = 4, InitialState = "FAILED", FinalState = "FAILED", SubprocessReturncode = 1, SubprocessDurationSeconds = 180, TelemetryEventsCollected = 0, ErrorMessage = "AssertionError: expected 3 tests to pass, got 1", Timestamp = "2026-11-01T10:07:00+00:00" },
            ],
        };
        var file = Path.Combine(folder.FullName, session.SessionId + ".json");
        await File.WriteAllTextAsync(file, SessionJson.Serialize(session));
        using var import = DrainProcess.Start(environment, "sessions", "import", file);
        Assert.True(await import.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, import.Stderr);
        return environment;
    }

    [Fact]
    public async Task Forecast_EarlierSession_RanksTheRunThatSucceededFirstAndCountsItsHistory()
    {
        var environment = await DatabaseWithHistoryAsync();

        using var json = DrainProcess.Start(environment, "forecast", "--output", "json");
        Assert.True(await json.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, json.Stderr);
        var root = JsonDocument.Parse(json.Stdout).RootElement;
        var phases = root.GetProperty("phases").EnumerateArray().ToList();
        string Key(JsonElement p) => $"{p.GetProperty("run_id").GetString()}:{p.GetProperty("phase_id").GetString()}";

        Assert.Equal(2, root.GetProperty("history_attempts").GetInt32());
        Assert.Equal(45, phases.Count);
        Assert.Equal("research-system-v4", phases[0].GetProperty("run_id").GetString());
        Assert.Equal("other", phases[0].GetProperty("category").GetString());
        Assert.Contains(phases[0].GetProperty("basis").GetString(), new[] { "phase", "run+category" });
        var failedAgain = phases.FindIndex(p => Key(p) == "docs-refresh-v1:p04-api-endpoints");
        Assert.Equal("phase", phases[failedAgain].GetProperty("basis").GetString());
        Assert.Equal(1, phases[failedAgain].GetProperty("attempts").GetProperty("phase").GetInt32());
        Assert.True(failedAgain > phases.FindLastIndex(p => Key(p).StartsWith("research-system-v4:", StringComparison.Ordinal) && p.GetProperty("category").GetString() == "other"));

        using var table = DrainProcess.Start(environment, "forecast");
        Assert.True(await table.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, table.Stderr);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Forecast of 45 FAILED phases from 2 earlier attempts, best first (the --prioritize forecast order; docs/forecast.md):", lines[0]);
        Assert.StartsWith($"  1  {Key(phases[0]).Replace(":", " / ", StringComparison.Ordinal)}", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRun_PrioritizeForecast_PicksInForecastOrderWithTheForecastOnEachLine()
    {
        var environment = await DatabaseWithHistoryAsync();

        using var seed = DrainProcess.Start(environment, "--dry-run", "--batch-size", "2", "--no-ledger");
        using var forecast = DrainProcess.Start(environment, "--dry-run", "--batch-size", "2", "--no-ledger", "--prioritize", "forecast", "--json");
        Assert.True(await seed.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, seed.Stderr);
        Assert.True(await forecast.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, forecast.Stderr);

        // The seed order's lines are as they were: no suffix.
        var seedLines = seed.Stdout.Split('\n').Where(l => l.Contains("[DRY RUN] Would drain: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, seedLines.Count);
        Assert.All(seedLines, l => Assert.Matches(@"^  \[DRY RUN\] Would drain: [^ ]+ / [^ ]+$", l));
        var would = forecast.Stderr.Split('\n').Where(l => l.Contains("[DRY RUN] Would drain: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, would.Count);
        Assert.All(would, l => Assert.Matches(@"\(forecast: \d+% success, \d+\.\d min, \d+\.\d events; [a-z+]+, \d+ attempts\)$", l));
        var output = JsonDocument.Parse(forecast.Stdout).RootElement;
        Assert.Equal("forecast", output.GetProperty("prioritize").GetString());
        Assert.Equal(
            output.GetProperty("picks").EnumerateArray().Select(p => p.GetString()),
            output.GetProperty("forecasts").EnumerateArray().Select(f => $"{f.GetProperty("run_id").GetString()}:{f.GetProperty("phase_id").GetString()}"));
        Assert.StartsWith("research-system-v4:", output.GetProperty("picks")[0].GetString(), StringComparison.Ordinal);
    }
}
