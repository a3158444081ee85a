using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Tests;

public sealed class DrainSettingsTests
{
    [Fact]
    public async Task AddDrainSettings_GoodSettings_HostStartsWithThem()
    {
        using var host = Host(("Drain:BatchSize", "3"), ("Drain:SkipRunPrefixes", "a-, b-"), ("Drain:LedgerEnabled", "false"));

        await host.StartAsync();

        var options = host.Services.GetRequiredService<DrainOptions>();
        Assert.Equal(new DrainOptions { BatchSize = 3, SkipRunPrefixes = options.SkipRunPrefixes, LedgerEnabled = false }, options);
        Assert.Equal(["a-", "b-"], options.SkipRunPrefixes);
        Assert.Same(options, host.Services.GetRequiredService<IOptions<DrainOptions>>().Value);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddDrainSettings_BadSettings_HostRefusesToStartNamingEverySetting()
    {
        using var host = Host(("Drain:BatchSize", "0"), ("Drain:MaxTotalMinutes", "soon"), ("Drain:SkipRunPrefixes", new string('p', 513)));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(
            [
                "Drain__MaxTotalMinutes: must be a number (got 'soon')",
                "Drain__BatchSize: must be an integer >= 1 (got 0)",
                "Drain__SkipRunPrefixes: must be at most 512 characters long (got 513)",
            ],
            ex.Failures);
    }

    [Fact]
    public void Read_ExecutorApiUrl_WinsOverDrainApiUrl()
    {
        var (options, errors) = DrainSettings.Read(Settings(("Executor:ApiUrl", "http://executor:8000"), ("Drain:ApiUrl", "http://drain:8000")));

        Assert.Empty(errors);
        Assert.Equal("http://executor:8000", options.ApiUrl);
    }

    [Theory]
    [InlineData("Drain:BatchSize", "  ")]
    [InlineData("Drain:MaxTotalMinutes", "")]
    [InlineData("Drain:SkipRunPrefixes", "")]
    [InlineData("Drain:RunId", "")]
    [InlineData("Drain:DryRun", "true")]
    public void Read_EmptyOrNoSetting_KeepsTheDefaults(string key, string value)
    {
        var (options, errors) = DrainSettings.Read(Settings((key, value)));

        Assert.Empty(errors);
        Assert.Equal(new DrainOptions(), options);
    }

    private static IHost Host(params (string Key, string Value)[] settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.Services.AddDrainSettings();
        return builder.Build();
    }

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
