using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Forecasts;

public class PriorityOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    // Seed order: broken:p0, good:p0, broken:p1, good:p1, slow:p0 (timed out last).
    private static readonly PhaseCandidate[] Backlog =
    [
        new("good", "p1", 1, null),
        new("broken", "p1", 1, null),
        new("good", "p0", 0, null),
        new("broken", "p0", 0, null),
        new("slow", "p0", 0, "timed out after 900 seconds"),
    ];

    // Earlier sessions: every phase of "broken" failed fast; "good" succeeded with telemetry.
    private static readonly YieldHistory History = YieldHistory.Build(
        [
            new("broken", "old1", "s1", T0, false, false, 120, 0, "ImportError: x"),
            new("broken", "old2", "s1", T0.AddMinutes(2), false, false, 120, 0, "ImportError: x"),
            new("good", "old1", "s1", T0.AddMinutes(4), true, false, 300, 12, null),
            new("good", "old2", "s1", T0.AddMinutes(9), true, false, 600, 6, null),
        ],
        _ => null);

    private static string[] Order(PrioritizeMode mode, YieldHistory history) =>
        [.. PriorityOrder.Apply(Backlog.Order(PhaseOrder.Instance), mode, history, 900).Select(r => r.Candidate.Key)];

    [Fact]
    public void Apply_Seed_KeepsThePolicyOrder()
    {
        Assert.Equal(["broken:p0", "good:p0", "broken:p1", "good:p1", "slow:p0"], Order(PrioritizeMode.Seed, History));
    }

    [Theory]
    [InlineData(PrioritizeMode.Yield)]
    [InlineData(PrioritizeMode.Forecast)]
    public void Apply_NoHistory_IsTheSeedOrder(PrioritizeMode mode)
    {
        Assert.Equal(Order(PrioritizeMode.Seed, YieldHistory.Empty), Order(mode, YieldHistory.Empty));
    }

    [Theory]
    [InlineData(PrioritizeMode.Yield)]
    [InlineData(PrioritizeMode.Forecast)]
    public void Apply_RunThatSucceededBefore_ComesFirstAndTimeoutsStayLast(PrioritizeMode mode)
    {
        Assert.Equal(["good:p0", "good:p1", "broken:p0", "broken:p1", "slow:p0"], Order(mode, History));
    }

    [Fact]
    public void SelectNext_Forecast_PicksTheBestEligibleAndCarriesItsForecast()
    {
        var state = new PolicyState();
        state.StoppedRuns.Add("good");
        var options = new DrainOptions { Prioritize = PrioritizeModes.Forecast };

        var outcome = PhaseSelector.SelectNext(Backlog, state, options, history: History);

        // The stop conditions are the same: the stopped run's phases are skipped with the same lines.
        Assert.Equal("broken:p0", outcome.Selected?.Key);
        Assert.Equal(
            ["  [SKIP] good/p0: run good deprioritized (too many repeat failures)", "  [SKIP] good/p1: run good deprioritized (too many repeat failures)"],
            outcome.Skips.Select(s => s.Line));
        Assert.Equal("broken:p0", outcome.Forecast?.Key);
        Assert.Equal(ForecastBasis.RunCategory, outcome.Forecast?.Basis);
        Assert.Equal(2, outcome.Forecast?.BasisAttempts);
    }

    [Fact]
    public void SelectNext_Seed_IgnoresTheHistoryAndHasNoForecast()
    {
        var outcome = PhaseSelector.SelectNext(Backlog, new PolicyState(), new DrainOptions(), history: History);

        Assert.Equal("broken:p0", outcome.Selected?.Key);
        Assert.Null(outcome.Forecast);
    }

    [Fact]
    public async Task SelectNextAsync_Forecast_SamePickAsTheInMemorySelector()
    {
        var options = new DrainOptions { Prioritize = PrioritizeModes.Forecast };

        var streamed = await PhaseSelector.SelectNextAsync(Backlog.Order(PhaseOrder.Instance).ToAsyncEnumerable(), new PolicyState(), options, history: History);

        Assert.Equal("good:p0", streamed.Selected?.Key);
        Assert.Equal(PhaseSelector.SelectNext(Backlog, new PolicyState(), options, history: History).Selected?.Key, streamed.Selected?.Key);
    }

    [Fact]
    public void ParseText_NotAChoice_RefusedAsArgparseRefusesAChoice()
    {
        var parsed = DrainOptionCatalog.Prioritize.ParseText("fastest");

        Assert.Equal("invalid choice: 'fastest' (choose from 'seed', 'yield', 'forecast')", parsed.Error);
        Assert.Equal(["must be one of seed, yield, forecast (got 'fastest')"], DrainOptionCatalog.Prioritize.Problems("fastest"));
        Assert.Equal(PrioritizeModes.Seed, new DrainOptions().Prioritize);
    }

    [Fact]
    public void Banner_PrioritizeNotSeed_OneLineAndTheSeedBannerUnchanged()
    {
        var seed = ProgressLines.Banner("batch-drain-20260105-000000", new DrainOptions()).ToList();
        var forecast = ProgressLines.Banner("batch-drain-20260105-000000", new DrainOptions { Prioritize = PrioritizeModes.Forecast }).ToList();

        Assert.DoesNotContain(seed, l => l.Contains("Prioritize", StringComparison.Ordinal));
        Assert.Equal(["  - Prioritize: forecast (docs/forecast.md)"], forecast.Except(seed));
        Assert.Equal(seed.Count + 1, forecast.Count);
    }
}
