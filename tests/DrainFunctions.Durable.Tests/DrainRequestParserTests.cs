using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.Durable.Tests;

public sealed class DrainRequestParserTests
{
    [Fact]
    public void Parse_FieldsGiven_ToldInGivenEvenWithTheDefaultValue()
    {
        var parsed = DrainRequestParser.Parse("""{"batchSize": 10, "dryRun": false}""", new DrainOptions { BatchSize = 3 });

        Assert.Equal(10, parsed.Options!.BatchSize);
        Assert.Equal(new HashSet<DrainOptionSpec> { DrainOptionCatalog.BatchSize, DrainOptionCatalog.DryRun }, parsed.Given);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public void Parse_NoFields_DefaultsAndNothingGiven(string? body)
    {
        var defaults = new DrainOptions { BatchSize = 4 };

        var parsed = DrainRequestParser.Parse(body, defaults);

        Assert.Same(defaults, parsed.Options);
        Assert.Empty(parsed.Given);
    }

    [Theory]
    [InlineData("""{"batchSize": "5"}""", "batchSize", "must be an integer")]
    [InlineData("""{"batchSize": null}""", "batchSize", "must be an integer")]
    [InlineData("""{"batchSize": 2.5}""", "batchSize", "must be an integer")]
    [InlineData("""{"maxTotalMinutes": "5"}""", "maxTotalMinutes", "must be a number or null")]
    [InlineData("""{"dryRun": 1}""", "dryRun", "must be true or false")]
    [InlineData("""{"ledgerEnabled": null}""", "ledgerEnabled", "must be true or false")]
    [InlineData("""{"runId": 7}""", "runId", "must be a string")]
    [InlineData("""{"skipRunPrefixes": "a"}""", "skipRunPrefixes", "must be an array of strings")]
    [InlineData("""{"skipRunPrefixes": ["a", 1]}""", "skipRunPrefixes", "must be an array of strings")]
    [InlineData("""{"skipRunPrefixes": [""]}""", "skipRunPrefixes", "must not be empty (an empty prefix would skip every run)")]
    [InlineData("""{"runId": ""}""", "runId", "must not be empty")]
    [InlineData("""{"apiUrl": "localhost:8000"}""", "apiUrl", "must be an absolute http:// or https:// URL")]
    [InlineData("""{"ledgerWindowHours": 721}""", "ledgerWindowHours", "must be an integer from 1 to 720 (30 days, what the ledger keeps) (got 721)")]
    public void Parse_WrongValue_RefusedByFieldWithTodaysMessage(string body, string field, string message)
    {
        var parsed = DrainRequestParser.Parse(body, new DrainOptions());

        Assert.Null(parsed.Options);
        Assert.Equal([message], parsed.Errors[field]);
    }

    [Fact]
    public void Parse_NullForAnOptionWithoutDefault_MeansNone()
    {
        var defaults = new DrainOptions { MaxTotalMinutes = 5, MaxConsecutiveZeroYield = 2, RunId = "r", ApiUrl = "http://x" };

        var parsed = DrainRequestParser.Parse("""{"maxTotalMinutes": null, "maxConsecutiveZeroYield": null, "runId": null, "apiUrl": ""}""", defaults);

        Assert.Equal(new DrainOptions(), parsed.Options);
    }

    [Fact]
    public void Parse_UnknownField_ListsTheCatalogsFieldsAndTheExtraOnes()
    {
        var parsed = DrainRequestParser.Parse("""{"batchSise": 5}""", new DrainOptions(), "sessionId");

        Assert.Equal(
            ["unknown field (allowed: batchSize, runId, dryRun, phaseTimeoutSeconds, maxTotalMinutes, maxTimeoutsPerRun, maxAttemptsPerPhase, maxFingerprintRepeats, skipRunPrefixes, maxConsecutiveZeroYield, skipRunsWithQueued, skipRunsInFlight, sampleFirst, ledgerEnabled, ledgerWindowHours, apiUrl, parallel, slots, prioritize, extendOnProgress, maxPhaseTimeoutSeconds, sessionId)"],
            parsed.Errors["batchSise"]);
    }

    [Fact]
    public void Parse_CliOnlyOption_IsNotAField()
    {
        var parsed = DrainRequestParser.Parse("""{"allowEmptyDb": true}""", new DrainOptions());

        Assert.Null(parsed.Options);
        Assert.StartsWith("unknown field", parsed.Errors["allowEmptyDb"].Single(), StringComparison.Ordinal);
    }
}
