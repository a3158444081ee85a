using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Tests.Infrastructure;

namespace DrainFunctions.Durable.Tests;

/// <summary><c>--prioritize forecast</c> on the real durable engine: SelectNextPhase reads the stored sessions.</summary>
[Collection(DurableSerialGroup.Name)]
public sealed class PrioritizeDrainTests
{
    [Fact]
    public async Task DryRun_PrioritizeForecast_OrdersByWhatTheEarlierSessionSaw()
    {
        // The test executor fails every fail* phase with one import error and completes the others.
        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "fail-a0", 0);
        await bed.AddPhaseAsync("run-c", "ok-c0", 0);
        await using var host = await bed.StartHostAsync();
        var options = new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 60, LedgerEnabled = false };
        var (first, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = options, PhasesPerGeneration = 25, GraceSeconds = 1 }, TimeSpan.FromMinutes(3));
        var session = await bed.ReadSessionAsync(first.SessionId);
        Assert.Equal([false, true], session.Results.OrderBy(r => r.RunId, StringComparer.Ordinal).Select(r => r.Success));

        // New phases of both runs: the seed order takes run-a's first (run id order), the forecast
        // run-c's, whose phase succeeded; run-a's failed phase (now an import error) comes last in both.
        await bed.AddPhaseAsync("run-a", "fail-a1", 1);
        await bed.AddPhaseAsync("run-c", "ok-c1", 1);
        var dryRun = options with { DryRun = true };
        var (seed, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = dryRun, PhasesPerGeneration = 25 });
        var (forecast, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput { Options = dryRun with { Prioritize = PrioritizeModes.Forecast }, PhasesPerGeneration = 25 });

        Assert.Equal(["run-a:fail-a1", "run-c:ok-c1", "run-a:fail-a0"], seed.DryRunPicks);
        Assert.Equal(["run-c:ok-c1", "run-a:fail-a1", "run-a:fail-a0"], forecast.DryRunPicks);
    }
}
