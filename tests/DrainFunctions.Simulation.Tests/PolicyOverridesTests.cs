using DrainFunctions.Core.Options;

namespace DrainFunctions.Simulation.Tests;

public sealed class PolicyOverridesTests
{
    private static readonly PolicyOverrides Every = DrainOptionCatalog.On(DrainOptionSurfaces.Simulate).Aggregate(
        new PolicyOverrides(),
        (o, spec) => o.With(spec, spec.Kind switch
        {
            DrainOptionKind.WholeNumber => 5,
            DrainOptionKind.Number => 15.0,
            DrainOptionKind.Switch => true,
            DrainOptionKind.Text => spec.Choices![^1],
            _ => (IReadOnlyList<string>)["scratch-"],
        }));

    [Fact]
    public void Apply_EveryPolicyFlag_ReachesAPolicyOtherThanTheBaseline()
    {
        var options = Every.Apply(PolicyPreset.Find(PolicyPreset.Conservative)!, 10);

        foreach (var (spec, value) in Every.Given)
        {
            Assert.Equivalent(value, spec.Get(options), strict: true);
        }
    }

    [Fact]
    public void Apply_V1Baseline_TakesOnlyTheBacklogScopeAndSlots()
    {
        var v1 = PolicyPreset.V1Preset;

        var options = Every.Apply(v1, 10);

        Assert.Equal(v1.Options with { BatchSize = 5, SkipRunPrefixes = options.SkipRunPrefixes, LedgerWindowHours = 5, Parallel = 5 }, options);
        Assert.Equal(["scratch-"], options.SkipRunPrefixes);
    }

    [Fact]
    public void Apply_NothingGiven_PresetWithTheDefaultBatchSize()
    {
        var v2 = PolicyPreset.Find(PolicyPreset.V2)!;

        Assert.Equal(v2.Options with { BatchSize = 12 }, new PolicyOverrides().Apply(v2, 12));
        Assert.Null(new PolicyOverrides().BatchSize);
        Assert.Equal(5, Every.BatchSize);
    }

    [Fact]
    public void With_OptionThatIsNoPolicyFlag_Refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PolicyOverrides().With(DrainOptionCatalog.ApiUrl, "http://x"));

        Assert.StartsWith("--api-url is not a policy flag of drain simulate", ex.Message, StringComparison.Ordinal);
    }
}
