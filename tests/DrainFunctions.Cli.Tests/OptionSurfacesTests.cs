using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Cli.Commands;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Every surface knows every option of <see cref="DrainOptionCatalog"/> that it declares: a value
/// given there reaches <see cref="DrainOptions"/>, and each bound is refused there, naming the
/// option as that surface calls it (the field, the setting).
/// </summary>
public sealed class OptionSurfacesTests
{
    public static TheoryData<string> HttpOptions => Names(DrainOptionSurfaces.HttpBody);

    public static TheoryData<string> SettingOptions => Names(DrainOptionSurfaces.AppSettings);

    [Theory]
    [MemberData(nameof(HttpOptions))]
    public void HttpBody_FieldOfTheOption_ReachesDrainOptions(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        var value = OptionSamples.Allowed(spec);

        var parsed = DrainRequestParser.Parse(Body(spec, value), new DrainOptions());

        Assert.True(parsed.Options is not null, string.Join("; ", parsed.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        Assert.Equivalent(value, spec.Get(parsed.Options), strict: true);
        Assert.Equal([spec], parsed.Given);
    }

    [Theory]
    [MemberData(nameof(HttpOptions))]
    public void HttpBody_ValueBeyondABound_RefusedNamingTheField(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        foreach (var (bound, value) in OptionSamples.Refused(spec))
        {
            var parsed = DrainRequestParser.Parse(Body(spec, value), new DrainOptions());

            Assert.True(parsed.Options is null, $"{spec.JsonName} {bound} was accepted");
            Assert.Equal([spec.JsonName], parsed.Errors.Keys);
            Assert.Equal(spec.Problems(value), parsed.Errors[spec.JsonName]);
        }
    }

    [Theory]
    [MemberData(nameof(SettingOptions))]
    public void Settings_SettingOfTheOption_ReachesDrainOptions(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        var value = OptionSamples.Allowed(spec);
        foreach (var key in spec.ConfigurationKeys)
        {
            var (options, errors) = DrainSettings.Read(Settings((key, OptionSamples.SettingText(spec, value))));

            Assert.Empty(errors);
            Assert.Equivalent(value, spec.Get(options), strict: true);
        }
    }

    [Theory]
    [MemberData(nameof(SettingOptions))]
    public void Settings_ValueBeyondABound_RefusedNamingTheSetting(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        foreach (var (bound, value) in OptionSamples.Refused(spec))
        {
            var (_, errors) = DrainSettings.Read(Settings((spec.ConfigurationKeys[^1], OptionSamples.SettingText(spec, value))));

            Assert.True(errors.Count == 1, $"{spec.SettingName} {bound}: [{string.Join("; ", errors)}]");
            Assert.Equal($"{spec.SettingName}: {spec.Problems(value).Single()}", errors[0]);
        }
    }

    [Theory]
    [MemberData(nameof(SettingOptions))]
    public void Settings_TextThatIsNoValue_RefusedNamingTheSettingAndTheKind(string name)
    {
        var spec = DrainOptionCatalog.Find(name)!;
        if (spec.Kind is DrainOptionKind.Text or DrainOptionKind.TextList)
        {
            return;
        }

        var (_, errors) = DrainSettings.Read(Settings((spec.ConfigurationKeys[^1], "lots")));

        var error = Assert.Single(errors);
        Assert.StartsWith(spec.SettingName + ": must be ", error, StringComparison.Ordinal);
        Assert.EndsWith("(got 'lots')", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteBody_EveryOptionTheCliSends_RoundTripsThroughTheHttpParser()
    {
        var sent = DrainOptionCatalog.On(DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody)
            .Where(s => s != DrainOptionCatalog.DryRun)
            .Aggregate(new DrainOptions(), (o, spec) => spec.Set(o, OptionSamples.Allowed(spec)));
        // The server's own defaults differ from the CLI's: every value must come from the body.
        var serverDefaults = new DrainOptions { BatchSize = 1, PhaseTimeoutSeconds = 60, MaxTimeoutsPerRun = 9, SkipRunsWithQueued = false };

        var parsed = DrainRequestParser.Parse(RemoteDrain.Body(sent, resume: false), serverDefaults);

        Assert.NotNull(parsed.Options);
        foreach (var spec in DrainOptionCatalog.On(DrainOptionSurfaces.Cli | DrainOptionSurfaces.HttpBody).Where(s => s != DrainOptionCatalog.DryRun))
        {
            Assert.Equivalent(spec.Get(sent), spec.Get(parsed.Options), strict: true);
        }
    }

    [Fact]
    public void RemoteBody_DefaultOptions_RoundTripsAndLeavesOutWhatHasNoValue()
    {
        var body = JsonNode.Parse(RemoteDrain.Body(new DrainOptions(), resume: false))!.AsObject();

        var parsed = DrainRequestParser.Parse(body.ToJsonString(), new DrainOptions());

        Assert.Equal(new DrainOptions().Validate(), parsed.Options!.Validate());
        Assert.Equal(new DrainOptions().BatchSize, parsed.Options.BatchSize);
        Assert.Equal(
            ["batchSize", "phaseTimeoutSeconds", "maxTimeoutsPerRun", "maxAttemptsPerPhase", "maxFingerprintRepeats", "skipRunsWithQueued", "skipRunsInFlight", "sampleFirst", "ledgerEnabled", "extendOnProgress"],
            body.Select(p => p.Key));
        Assert.Equal("{}", RemoteDrain.Body(new DrainOptions(), resume: true));
    }

    [Fact]
    public void Surfaces_EveryOption_IsOnAtLeastOneAndTheCliOnesHaveFlags()
    {
        Assert.All(DrainOptionCatalog.All, spec => Assert.NotEqual(DrainOptionSurfaces.None, spec.Surfaces));
        Assert.All(DrainOptionCatalog.On(DrainOptionSurfaces.Cli), spec => Assert.True(spec.Flag is not null || spec.NegatedFlag is not null, spec.Name));
    }

    private static TheoryData<string> Names(DrainOptionSurfaces surface) => [.. DrainOptionCatalog.On(surface).Select(s => s.Name)];

    private static string Body(DrainOptionSpec spec, object value) =>
        new JsonObject { [spec.JsonName] = JsonSerializer.SerializeToNode(value, value.GetType()) }.ToJsonString();

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
