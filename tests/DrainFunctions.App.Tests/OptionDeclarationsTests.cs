using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.App.Tests;

/// <summary><c>GET /api/options</c>: the dashboard's start form is built from the catalog the CLI and the API's validation use.</summary>
public sealed class OptionDeclarationsTests
{
    [Fact]
    public void Answer_SettingsDefaults_EveryBodyFieldInCatalogOrderWithTheHostsDefault()
    {
        var answer = OptionDeclarations.Answer(new DrainOptions { BatchSize = 7 });

        Assert.Equal(200, answer.Status);
        var options = JsonDocument.Parse(answer.Body).RootElement.GetProperty("options").EnumerateArray().ToList();
        Assert.Equal(DrainOptionCatalog.On(DrainOptionSurfaces.HttpBody).Select(s => s.JsonName), options.Select(o => o.GetProperty("name").GetString()));
        var batchSize = options.Single(o => o.GetProperty("name").GetString() == "batchSize");
        Assert.Equal(7, batchSize.GetProperty("default").GetInt32());
        Assert.Equal("integer", batchSize.GetProperty("kind").GetString());
        Assert.Equal("--batch-size", batchSize.GetProperty("flag").GetString());
        Assert.Equal("an integer >= 1", batchSize.GetProperty("allowed").GetString());
        var ledger = options.Single(o => o.GetProperty("name").GetString() == "ledgerEnabled");
        Assert.Equal(("boolean", "--no-ledger", true), (ledger.GetProperty("kind").GetString(), ledger.GetProperty("flag").GetString(), ledger.GetProperty("default").GetBoolean()));
    }

    [Fact]
    public void Answer_ChoiceOption_CarriesItsChoicesAndDefault()
    {
        var answer = OptionDeclarations.Answer(new DrainOptions());

        var prioritize = JsonDocument.Parse(answer.Body).RootElement.GetProperty("options").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "prioritize");
        Assert.Equal(("text", "--prioritize", "seed", "one of seed, yield, forecast"), (prioritize.GetProperty("kind").GetString(), prioritize.GetProperty("flag").GetString(), prioritize.GetProperty("default").GetString(), prioritize.GetProperty("allowed").GetString()));
        Assert.Equal(["seed", "yield", "forecast"], prioritize.GetProperty("choices").EnumerateArray().Select(c => c.GetString()));
    }
}
