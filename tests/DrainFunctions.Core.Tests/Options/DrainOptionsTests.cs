using DrainFunctions.Core.Options;

namespace DrainFunctions.Core.Tests.Options;

public class DrainOptionsTests
{
    [Fact]
    public void Defaults_MatchSeed()
    {
        var options = new DrainOptions();

        Assert.Equal(10, options.BatchSize);
        Assert.Equal(900, options.PhaseTimeoutSeconds);
        Assert.Equal(2, options.MaxTimeoutsPerRun);
        Assert.Equal(2, options.MaxAttemptsPerPhase);
        Assert.Equal(3, options.MaxFingerprintRepeats);
        Assert.True(options.SkipRunsWithQueued);
        Assert.Null(options.MaxTotalMinutes);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_SeveralBadValues_ReportsEveryOneByName()
    {
        var options = new DrainOptions { BatchSize = 0, MaxTotalMinutes = -1, SkipRunPrefixes = [""], ApiUrl = "ftp://x" };

        var errors = options.Validate();

        Assert.Equal(["batch-size", "max-total-minutes", "skip-run-prefix", "api-url"], errors.Select(e => e.Name));
        Assert.Equal("--batch-size", errors[0].FlagName);
        Assert.Equal("batchSize", errors[0].JsonName);
        Assert.Equal("maxTotalMinutes", errors[1].JsonName);
    }

    [Fact]
    public void Validate_ValuesThatBrokeAtRunTime_RefusedWithTheirRange()
    {
        var options = new DrainOptions
        {
            PhaseTimeoutSeconds = int.MaxValue,
            MaxTotalMinutes = 1e308,
            LedgerWindowHours = int.MaxValue,
            RunId = new string('r', 10 * 1024 * 1024),
            SkipRunPrefixes = [new string('p', 513)],
            ApiUrl = "http://x/" + new string('a', 3000),
        };

        var errors = options.Validate().ToDictionary(e => e.Name, e => e.Message);

        Assert.Equal("must be an integer from 1 to 604800 (7 days) (got 2147483647)", errors["phase-timeout-seconds"]);
        Assert.Equal("must be a number greater than 0 and at most 43200 (30 days) (got 1E+308)", errors["max-total-minutes"]);
        Assert.Equal("must be an integer from 1 to 720 (30 days, what the ledger keeps) (got 2147483647)", errors["ledger-window-hours"]);
        Assert.Equal("must be at most 512 characters long (got 10485760)", errors["run-id"]);
        Assert.Equal("must be at most 512 characters long (got 513)", errors["skip-run-prefix"]);
        Assert.Equal("must be at most 2048 characters long (got 3009)", errors["api-url"]);
    }

    [Fact]
    public void Validate_ValuesAtTheirMaxima_Accepted()
    {
        var options = new DrainOptions
        {
            PhaseTimeoutSeconds = DrainOptions.PhaseTimeoutLimitSeconds,
            MaxTotalMinutes = DrainOptions.MaxTotalMinutesLimit,
            LedgerWindowHours = DrainOptions.MaxLedgerWindowHours,
            RunId = new string('r', DrainOptions.MaxIdLength),
            SkipRunPrefixes = [.. Enumerable.Repeat(new string('p', DrainOptions.MaxIdLength), DrainOptions.MaxSkipRunPrefixes)],
        };

        Assert.Empty(options.Validate());
    }
}
