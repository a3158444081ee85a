using System.CommandLine;
using DrainFunctions.Cli.Commands;
using DrainFunctions.Core.Options;
using DrainFunctions.Simulation;
using DrainFunctions.Tests.Shared;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Every option of <see cref="DrainOptionCatalog"/> is a flag where the catalog says (drain's
/// command line, simulate's): listed by --help, and its value reaches the options.
/// </summary>
public sealed class CatalogFlagsTests
{
    public static TheoryData<string> CliOptions => Names(DrainOptionSurfaces.Cli);

    public static TheoryData<string> SimulateOptions => Names(DrainOptionSurfaces.Simulate);

    [Theory]
    [MemberData(nameof(CliOptions))]
    public void DrainHelp_CatalogOption_ListsItsFlags(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        var help = CliRunner.Run(string.Empty, "--help").Stdout;

        foreach (var flag in new[] { spec.Flag, spec.NegatedFlag }.OfType<string>())
        {
            Assert.Contains($"\n  {flag} ", help, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(CliOptions))]
    public void DrainFlags_CatalogOption_ReachesDrainOptions(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        var value = OptionSamples.Allowed(spec);

        var options = DrainFlags.Parse(Args(spec, value)).Options;

        Assert.Equivalent(value, spec.Get(options), strict: true);
    }

    [Fact]
    public void DrainHelp_OptionsNotOnTheCommandLine_NotListed()
    {
        var help = CliRunner.Run(string.Empty, "--help").Stdout;

        foreach (var spec in DrainOptionCatalog.All.Where(s => !s.IsOn(DrainOptionSurfaces.Cli) && s.Flag is not null))
        {
            Assert.DoesNotContain($"\n  {spec.Flag} ", help, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(SimulateOptions))]
    public void SimulateHelp_CatalogOption_ListsItsFlag(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;

        Assert.Contains($"\n  {spec.Flag} ", CliRunner.Run(string.Empty, "simulate", "--help").Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(SimulateOptions))]
    public void SimulateFlags_CatalogOption_ReachesPolicyOverrides(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        var value = OptionSamples.Allowed(spec);
        var flags = new SimulateFlags();
        var command = new RootCommand();
        flags.AddTo(command);

        var parsed = command.Parse(Args(spec, value), DrainFunctions.Flags.FlagParsing.Configuration);

        Assert.Empty(parsed.Errors);
        Assert.Equivalent(value, flags.Bind(parsed).Overrides.Given[spec], strict: true);
    }

    /// <summary>The words that give <paramref name="value"/> to the option: its flag (or --no- flag), its value, a list item by item.</summary>
    private static string[] Args(DrainOptionSpec spec, object value) => value switch
    {
        bool on => [(on ? spec.Flag : spec.NegatedFlag)!],
        IReadOnlyList<string> items => [.. items.SelectMany(i => new[] { spec.Flag!, i })],
        double number => [spec.Flag!, number.ToString("R", System.Globalization.CultureInfo.InvariantCulture)],
        _ => [spec.Flag!, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!],
    };

    private static TheoryData<string> Names(DrainOptionSurfaces surface) => new(DrainOptionCatalog.On(surface).Select(s => s.Name));
}
