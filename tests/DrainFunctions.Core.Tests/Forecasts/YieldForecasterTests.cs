using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Forecasts;

public class YieldForecasterTests
{
    private const int Timeout = 900;
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private static HistoryAttempt Attempt(string run, string phase, bool success, double minutes, long events, int order = 0, string? error = null, string session = "s1") =>
        new(run, phase, session, T0.AddMinutes(order), success, false, minutes * 60, events, success ? null : error ?? "Missing deliverable: report.md");

    private static YieldHistory History(Func<string, string?> reason, params HistoryAttempt[] attempts) => YieldHistory.Build(attempts, reason);

    private static YieldHistory History(params HistoryAttempt[] attempts) => YieldHistory.Build(attempts, _ => null);

    [Fact]
    public void Forecast_NoHistory_IsThePriorWithBasisNone()
    {
        var forecast = YieldForecaster.Forecast(new PhaseCandidate("r", "p", 0, null), YieldHistory.Empty, Timeout);

        Assert.Equal(ForecastBasis.None, forecast.Basis);
        Assert.Equal(0, forecast.BasisAttempts);
        Assert.Equal(0.5, forecast.SuccessChance);
        Assert.Equal(7.5, forecast.ExpectedMinutes);
        Assert.Equal(0, forecast.ExpectedEvents);
        Assert.Null(forecast.ObservedYield);
    }

    [Fact]
    public void Forecast_NoHistoryAndTimedOutBefore_ExpectsTheWholeTimeout()
    {
        var forecast = YieldForecaster.Forecast(new PhaseCandidate("r", "p", 0, "timed out after 900 seconds"), YieldHistory.Empty, Timeout);

        Assert.Equal(15, forecast.ExpectedMinutes);
    }

    [Fact]
    public void Forecast_PhaseSeenBefore_RestsOnThePhaseWithEveryLevelCounted()
    {
        // r:p failed once; r:q (same run, category unknown) succeeded; s:x (other run) succeeded.
        var history = History(
            Attempt("r", "p", false, 2, 0, 0),
            Attempt("r", "q", true, 4, 8, 1),
            Attempt("s", "x", true, 6, 4, 2));

        var forecast = YieldForecaster.Forecast(new PhaseCandidate("r", "p", 0, null), history, Timeout);

        Assert.Equal(ForecastBasis.Phase, forecast.Basis);
        Assert.Equal(1, forecast.BasisAttempts);
        Assert.Equal(1, forecast.PhaseAttempts);
        Assert.Equal(2, forecast.RunCategoryAttempts);
        Assert.Equal(3, forecast.CategoryAttempts);
        Assert.Equal(3, forecast.HistoryAttempts);
    }

    [Fact]
    public void Forecast_EveryLevel_BlendsItsSumsWithTheLevelAbove()
    {
        var history = History(
            Attempt("r", "p", false, 2, 0, 0),
            Attempt("r", "q", true, 4, 8, 1),
            Attempt("s", "x", true, 6, 4, 2));

        var forecast = YieldForecaster.Forecast(new PhaseCandidate("r", "p", 0, null), history, Timeout);

        // history and category (the same three attempts), then run+category (two), then the phase (one).
        var chance = YieldForecaster.Blend(2, 3, 0.5);
        chance = YieldForecaster.Blend(2, 3, chance);
        chance = YieldForecaster.Blend(1, 2, chance);
        chance = YieldForecaster.Blend(0, 1, chance);
        var minutes = YieldForecaster.Blend(12, 3, 7.5);
        minutes = YieldForecaster.Blend(12, 3, minutes);
        minutes = YieldForecaster.Blend(6, 2, minutes);
        minutes = YieldForecaster.Blend(2, 1, minutes);
        Assert.Equal(chance, forecast.SuccessChance, 12);
        Assert.Equal(minutes, forecast.ExpectedMinutes, 12);
        Assert.True(forecast.SuccessChance < YieldForecaster.Forecast(new PhaseCandidate("r", "new", 0, null), history, Timeout).SuccessChance);
    }

    [Fact]
    public void Blend_TwoPseudoAttemptsOfTheLevelAbove()
    {
        Assert.Equal((3 + (2 * 0.5)) / (4 + 2), YieldForecaster.Blend(3, 4, 0.5), 12);
        Assert.Equal(0.25, YieldForecaster.Blend(0, 0, 0.25));
    }

    [Fact]
    public void Forecast_RunNeverSeen_FallsBackToItsCategory()
    {
        var history = History(
            Attempt("a", "p1", true, 4, 8, 0, session: "s1"),
            Attempt("b", "p1", false, 3, 0, 1, error: "ImportError: no module x"));

        var forecast = YieldForecaster.Forecast(new PhaseCandidate("new-run", "p1", 0, null), history, Timeout);

        Assert.Equal(ForecastBasis.Category, forecast.Basis);
        Assert.Equal(2, forecast.BasisAttempts);
        Assert.Equal(0, forecast.RunCategoryAttempts);
        Assert.Equal(ForecastBasis.Category, forecast.YieldBasis);
        Assert.Equal(8 / 7.0, forecast.ObservedYield!.Value, 12);
    }

    [Fact]
    public void Forecast_CategoryNeverSeen_FallsBackToTheWholeHistory()
    {
        var history = History(Attempt("a", "p1", true, 5, 10));

        var forecast = YieldForecaster.Forecast(new PhaseCandidate("a", "p2", 1, "Missing deliverable"), history, Timeout);

        Assert.Equal(ForecastBasis.History, forecast.Basis);
        Assert.Equal(1, forecast.BasisAttempts);
        Assert.Equal(0, forecast.CategoryAttempts);
        Assert.Equal(ForecastBasis.History, forecast.YieldBasis);
        Assert.Equal(2.0, forecast.ObservedYield!.Value, 12);
    }

    [Fact]
    public void Build_FirstAttempt_TakesTheCategoryOfTheCurrentReasonAndLaterOnesOfThePreviousMessage()
    {
        // a:p1 is FAILED now with an import error; its first attempt failed on a missing deliverable.
        var history = History(
            key => key == "a:p1" ? "ImportError: x" : null,
            Attempt("a", "p1", false, 2, 0, 0, error: "Missing deliverable: y"),
            Attempt("a", "p1", false, 2, 0, 1, error: "ImportError: x"));

        Assert.Equal(1, history.OfCategory(PhaseCategory.Collection)!.Attempts);
        Assert.Equal(1, history.OfCategory(PhaseCategory.Deliverable)!.Attempts);
        Assert.Equal(1, history.OfRunCategory("a", PhaseCategory.Deliverable)!.Attempts);
        Assert.Equal(2, history.OfPhase("a:p1")!.Attempts);
    }

    [Fact]
    public void Attempts_LedgerEntriesOfAStoredSession_CountedOnceAndInterruptedLeftOut()
    {
        var session = new DrainSession
        {
            SessionId = "batch-drain-20260105-000000",
            Results =
            [
                new DrainResult { RunId = "a", PhaseId = "p1", Success = true, SubprocessDurationSeconds = 60, TelemetryEventsCollected = 3, Timestamp = "2026-01-05T00:01:00+00:00" },
                new DrainResult { RunId = "a", PhaseId = "p2", InterruptedBy = "budget", SubprocessDurationSeconds = 30 },
            ],
        };
        HistoryAttempt[] ledger =
        [
            new("a", "p1", "batch-drain-20260105-000000", T0, true, false, null, null, null),
            new("b", "p9", "batch-drain-20260101-000000", T0.AddDays(-4), false, true, null, null, null),
        ];

        var attempts = YieldHistory.Attempts([session], ledger);
        var history = YieldHistory.Build(attempts, _ => null);

        Assert.Equal(["a:p1", "b:p9"], attempts.Select(a => a.Key));
        Assert.Equal(2, history.All.Attempts);
        Assert.Equal(1, history.All.Timed);
        Assert.Equal(1, history.All.Timeouts);
        Assert.Equal(1, history.All.Successes);
    }
}
