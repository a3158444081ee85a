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
}
