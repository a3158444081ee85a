using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Simulation.Tests;

/// <summary><c>--prioritize</c> in scheduled drains: each drain learns from the sessions the earlier ones produced.</summary>
public sealed class PrioritizeScheduleTests
{
    private static readonly BacklogModel Model = BacklogGenerator.Generate(42);
    private static readonly PolicyPreset V2 = PolicyPreset.Find(PolicyPreset.V2)!;

    private static PolicyRunReport Schedule(string mode, int drains = 6) =>
        Simulator.RunSchedule(Model, V2, V2.Options with { BatchSize = 10, Prioritize = mode }, drains, 60, ledgerOn: true);

    [Fact]
    public void RunSchedule_PrioritizeForecast_HistoryGrowsDrainByDrain()
    {
        var forecast = Schedule(PrioritizeModes.Forecast);

        var expected = 0;
        foreach (var drain in forecast.Drains)
        {
            Assert.Equal(expected, drain.HistoryAttempts);
            expected += drain.Results.Count(r => r.InterruptedBy is null);
        }

        Assert.True(expected > 40, $"{expected} attempts in six drains");
    }

    [Fact]
    public void RunSchedule_PrioritizeForecast_FirstDrainIsTheSeedOrderLaterOnesDiffer()
    {
        var seed = Schedule(PrioritizeModes.Seed);
        var forecast = Schedule(PrioritizeModes.Forecast);

        // Nothing to learn from before the first drain: the seed order.
        Assert.Equal(seed.Drains[0].Picks, forecast.Drains[0].Picks);
        Assert.NotEqual(seed.Drains[1].Picks, forecast.Drains[1].Picks);
        Assert.All(seed.Drains, d => Assert.Equal(0, d.HistoryAttempts));
    }

    [Fact]
    public void RunSchedule_PrioritizeForecast_PicksAreTheCoreOrderOverTheEarlierSessions()
    {
        var forecast = Schedule(PrioritizeModes.Forecast, drains: 2);

        // Re-made from the first drain's results with Core's functions: the second drain's first
        // pick is the best-forecast FAILED phase left after the first drain.
        var environment = new SimulatedEnvironment(Model);
        var first = SimulatedDrain.Run(V2.Options with { BatchSize = 10 }, environment);
        var history = YieldHistory.Build(
            YieldHistory.Attempts([new Core.Sessions.DrainSession { SessionId = "s1", Results = first.Results }]),
            key => environment.Store.GetPhaseAsync(key.Split(':')[0], key.Split(':')[1]).Result?.LastFailureReason);
        var failed = Model.Phases.Select(p => environment.Store.GetPhaseAsync(p.RunId, p.PhaseId).Result!)
            .Where(p => p.State == PhaseStates.Failed)
            .Select(p => new PhaseCandidate(p.RunId, p.PhaseId, p.PhaseIndex, p.LastFailureReason))
            .Order(PhaseOrder.Instance);
        var ranked = PriorityOrder.Apply(failed, PrioritizeMode.Forecast, history, V2.Options.PhaseTimeoutSeconds);

        Assert.Equal(first.Picks, forecast.Drains[0].Picks);
        Assert.Equal(ranked[0].Candidate.Key, forecast.Drains[1].Picks[0]);
    }
}
