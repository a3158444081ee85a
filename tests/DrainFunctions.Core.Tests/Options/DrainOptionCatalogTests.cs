using System.Reflection;
using DrainFunctions.Core.Options;
using DrainFunctions.Tests.Shared;

namespace DrainFunctions.Core.Tests.Options;

public class DrainOptionCatalogTests
{
    [Fact]
    public void All_EveryDrainOptionsProperty_DeclaredByExactlyOneSpec()
    {
        var properties = typeof(DrainOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract").ToList();
        var defaults = new DrainOptions();

        var owners = properties.ToDictionary(
            p => p.Name,
            p => DrainOptionCatalog.All.Where(spec => !Equals(p.GetValue(spec.Set(defaults, OptionSamples.Allowed(spec))), p.GetValue(defaults))).Select(s => s.Name).ToList());

        Assert.All(owners, kv => Assert.True(kv.Value.Count == 1, $"{kv.Key} is set by [{string.Join(", ", kv.Value)}]"));
        Assert.Equal(properties.Count, DrainOptionCatalog.All.Count);
    }

    [Fact]
    public void SetThenGet_EverySpec_ReturnsTheValueWithItsDeclaredType()
    {
        foreach (var spec in DrainOptionCatalog.All)
        {
            var value = OptionSamples.Allowed(spec);

            var back = spec.Get(spec.Set(new DrainOptions(), value));

            Assert.Equal(value, back);
            Assert.True(spec.ValueType.IsInstanceOfType(back) || Nullable.GetUnderlyingType(spec.ValueType)?.IsInstanceOfType(back) == true, spec.Name);
        }
    }

    [Fact]
    public void All_Names_AreUniqueOnEverySurface()
    {
        var specs = DrainOptionCatalog.All;

        Assert.Equal(specs.Count, specs.Select(s => s.Name).Distinct().Count());
        Assert.Equal(specs.Count, specs.Select(s => s.JsonName).Distinct().Count());
        var settings = specs.Where(s => s.SettingKey is not null).Select(s => s.SettingKey).ToList();
        Assert.Equal(settings.Count, settings.Distinct().Count());
        var flags = specs.SelectMany(s => new[] { s.Flag, s.NegatedFlag }).OfType<string>().ToList();
        Assert.Equal(flags.Count, flags.Distinct().Count());
    }

    [Fact]
    public void All_SurfaceNames_FollowTheirConventionsWithDeclaredExceptions()
    {
        foreach (var spec in DrainOptionCatalog.All)
        {
            if (spec.Flag is { } flag)
            {
                Assert.Equal("--" + spec.Name, flag);
            }

            if (spec.IsOn(DrainOptionSurfaces.AppSettings))
            {
                Assert.Equal("Drain__" + char.ToUpperInvariant(spec.JsonName[0]) + spec.JsonName[1..], spec.SettingName);
            }
            else
            {
                Assert.Null(spec.SettingKey);
            }

            Assert.Equal(spec.Kind == DrainOptionKind.Switch, spec.Metavar is null);
        }

        Assert.Equal("skipRunPrefixes", DrainOptionCatalog.Find("skip-run-prefix")!.JsonName);
        Assert.Equal("ledgerEnabled", DrainOptionCatalog.Find("ledger")!.JsonName);
        Assert.Equal("--no-ledger", DrainOptionCatalog.LedgerEnabled.NegatedFlag);
        Assert.Equal("--no-skip-runs-with-queued", DrainOptionCatalog.SkipRunsWithQueued.NegatedFlag);
        Assert.Equal(["Executor:ApiUrl", "Drain:ApiUrl"], DrainOptionCatalog.ApiUrl.ConfigurationKeys);
    }

    [Fact]
    public void Default_EverySpec_IsDrainOptionsDefault()
    {
        Assert.Equal(10, DrainOptionCatalog.BatchSize.Default);
        Assert.Equal(900, DrainOptionCatalog.PhaseTimeoutSeconds.Default);
        Assert.Equal(true, DrainOptionCatalog.SkipRunsWithQueued.Default);
        Assert.Null(DrainOptionCatalog.MaxTotalMinutes.Default);
        Assert.True(DrainOptionCatalog.MaxTotalMinutes.IsOptional);
        Assert.Equal(typeof(double?), DrainOptionCatalog.MaxTotalMinutes.ValueType);
        Assert.Equal(typeof(int?), DrainOptionCatalog.MaxConsecutiveZeroYield.ValueType);
        Assert.Equal(typeof(int), DrainOptionCatalog.BatchSize.ValueType);
        Assert.False(DrainOptionCatalog.SkipRunPrefixes.IsOptional);
    }

    [Fact]
    public void On_Surfaces_CarryTodaysOptions()
    {
        static string[] Names(DrainOptionSurfaces surface) => [.. DrainOptionCatalog.On(surface).Select(s => s.JsonName)];

        Assert.Equal(
            ["batchSize", "runId", "dryRun", "phaseTimeoutSeconds", "maxTotalMinutes", "maxTimeoutsPerRun", "maxAttemptsPerPhase", "maxFingerprintRepeats", "skipRunPrefixes", "maxConsecutiveZeroYield", "skipRunsWithQueued", "skipRunsInFlight", "sampleFirst", "ledgerEnabled", "ledgerWindowHours", "apiUrl", "parallel", "slots", "prioritize", "extendOnProgress", "maxPhaseTimeoutSeconds"],
            Names(DrainOptionSurfaces.HttpBody));
        Assert.Equal(
            ["batchSize", "runId", "dryRun", "phaseTimeoutSeconds", "maxTotalMinutes", "maxTimeoutsPerRun", "maxAttemptsPerPhase", "maxFingerprintRepeats", "skipRunPrefixes", "maxConsecutiveZeroYield", "skipRunsWithQueued", "skipRunsInFlight", "sampleFirst", "allowEmptyDb", "ledgerEnabled", "apiUrl", "parallel", "slots", "prioritize", "extendOnProgress", "maxPhaseTimeoutSeconds"],
            Names(DrainOptionSurfaces.Cli));
        Assert.Equal(
            ["batchSize", "phaseTimeoutSeconds", "maxTotalMinutes", "maxTimeoutsPerRun", "maxAttemptsPerPhase", "maxFingerprintRepeats", "skipRunPrefixes", "maxConsecutiveZeroYield", "sampleFirst", "ledgerWindowHours", "parallel", "prioritize", "extendOnProgress", "maxPhaseTimeoutSeconds"],
            Names(DrainOptionSurfaces.Simulate));
        Assert.DoesNotContain("dryRun", Names(DrainOptionSurfaces.AppSettings));
    }

    [Theory]
    [InlineData("batch-size", "ten", "invalid int value: 'ten' (allowed: an integer >= 1)")]
    [InlineData("batch-size", "0", "invalid value: 0 (allowed: an integer >= 1)")]
    [InlineData("batch-size", "99999999999999999999", "invalid int value: '99999999999999999999' (allowed: an integer >= 1)")]
    [InlineData("max-total-minutes", "-5", "invalid value: -5 (allowed: a number > 0 and <= 43200 (30 days))")]
    [InlineData("max-total-minutes", "1e308", "invalid value: 1e308 (allowed: a number > 0 and <= 43200 (30 days))")]
    [InlineData("max-total-minutes", "NaN", "invalid float value: 'NaN' (allowed: a number > 0 and <= 43200 (30 days))")]
    [InlineData("phase-timeout-seconds", "2147483647", "invalid value: 2147483647 (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData("phase-timeout-seconds", "99999999999999999999", "invalid int value: '99999999999999999999' (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData("phase-timeout-seconds", "0", "invalid value: 0 (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData("phase-timeout-seconds", "12345678901234567890123456789012345678901234567890", "invalid int value: '1234567890123456789012345678901234567890...' (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData("ledger-window-hours", "721", "invalid value: 721 (allowed: an integer from 1 to 720 (30 days, what the ledger keeps))")]
    [InlineData("api-url", "localhost:8000", "must be an absolute http:// or https:// URL")]
    [InlineData("run-id", "  ", "must not be empty")]
    [InlineData("skip-run-prefix", "", "must not be empty (an empty prefix would skip every run)")]
    public void ParseText_BadValue_RefusedWithTheCliMessage(string name, string text, string expected)
    {
        var parsed = DrainOptionCatalog.Find(name)!.ParseText(text);

        Assert.False(parsed.Succeeded);
        Assert.Equal(expected, parsed.Error);
    }

    [Theory]
    [InlineData("batch-size", "5", 5)]
    [InlineData("phase-timeout-seconds", "604800", 604800)]
    [InlineData("max-total-minutes", "0.5", 0.5)]
    [InlineData("max-total-minutes", "43200", 43200.0)]
    [InlineData("run-id", "run-1", "run-1")]
    [InlineData("api-url", "", "")]
    public void ParseText_AllowedValue_ReturnsIt(string name, string text, object expected)
    {
        var parsed = DrainOptionCatalog.Find(name)!.ParseText(text);

        Assert.True(parsed.Succeeded, parsed.Error);
        Assert.Equal(expected, parsed.Value);
    }

    [Fact]
    public void Problems_EveryBound_RefusesTheValueJustBeyondIt()
    {
        foreach (var spec in DrainOptionCatalog.All)
        {
            Assert.Empty(spec.Problems(OptionSamples.Allowed(spec)));
            Assert.Empty(spec.Problems(spec.Default));
            foreach (var (bound, value) in OptionSamples.Refused(spec))
            {
                Assert.True(spec.Problems(value).Count() == 1, $"{spec.Name} {bound}");
            }
        }
    }

    [Fact]
    public void Problems_ValuesAtTheBounds_Allowed()
    {
        Assert.Empty(DrainOptionCatalog.PhaseTimeoutSeconds.Problems(1));
        Assert.Empty(DrainOptionCatalog.PhaseTimeoutSeconds.Problems(DrainOptions.PhaseTimeoutLimitSeconds));
        Assert.Empty(DrainOptionCatalog.MaxTotalMinutes.Problems(0.001));
        Assert.Empty(DrainOptionCatalog.MaxTotalMinutes.Problems((double)DrainOptions.MaxTotalMinutesLimit));
        Assert.Empty(DrainOptionCatalog.LedgerWindowHours.Problems(DrainOptions.MaxLedgerWindowHours));
        Assert.Empty(DrainOptionCatalog.BatchSize.Problems(1));
        Assert.Single(DrainOptionCatalog.MaxTotalMinutes.Problems(double.NaN));
    }

    [Fact]
    public void Validate_BoundsOfTheDeclaration_AreTheOnesChecked()
    {
        var options = new DrainOptions { SkipRunPrefixes = [.. Enumerable.Repeat("p", DrainOptions.MaxSkipRunPrefixes + 1)], MaxConsecutiveZeroYield = 0 };

        var errors = options.Validate();

        Assert.Equal(["skip-run-prefix", "max-consecutive-zero-yield"], errors.Select(e => e.Name));
        Assert.Equal("at most 100 prefixes (got 101)", errors[0].Message);
        Assert.Equal("skipRunPrefixes", errors[0].JsonName);
        Assert.Equal("must be an integer >= 1 (got 0)", errors[1].Message);
    }

    [Fact]
    public void Help_EveryCliOption_HasHelpAndNegatedFlagsHaveTheirOwn()
    {
        foreach (var spec in DrainOptionCatalog.On(DrainOptionSurfaces.Cli))
        {
            Assert.False(string.IsNullOrWhiteSpace(spec.Help), spec.Name);
            Assert.True(spec.Flag is not null || spec.NegatedFlag is not null, spec.Name);
            Assert.Equal(spec.NegatedFlag is null, spec.NegatedHelp is null);
        }
    }

    [Fact]
    public void DocsTable_EveryOption_HasItsRowWithItsNames()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        var rows = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "options.md")).Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        foreach (var spec in DrainOptionCatalog.All)
        {
            var row = Assert.Single(rows, r => r.StartsWith($"| {spec.Name} |", StringComparison.Ordinal));
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            Assert.Equal(spec.IsOn(DrainOptionSurfaces.HttpBody), cells[3].Contains($"`{spec.JsonName}`", StringComparison.Ordinal));
            Assert.Equal(spec.IsOn(DrainOptionSurfaces.AppSettings), cells[4].Contains($"`{spec.SettingName}`", StringComparison.Ordinal));
            Assert.Equal(spec.IsOn(DrainOptionSurfaces.Simulate), cells[8] == "yes");
            foreach (var flag in new[] { spec.Flag, spec.NegatedFlag }.OfType<string>().Where(_ => spec.IsOn(DrainOptionSurfaces.Cli)))
            {
                Assert.Contains($"`{flag}", cells[2], StringComparison.Ordinal);
            }
        }
    }
}
