using DrainFunctions.Cli.Commands;

namespace DrainFunctions.Cli.Tests;

public class DrainFlagsTests
{
    [Fact]
    public void Parse_NoFlags_UsesPythonDefaults()
    {
        var invocation = DrainFlags.Parse([]);

        Assert.Equal(10, invocation.Options.BatchSize);
        Assert.Equal(900, invocation.Options.PhaseTimeoutSeconds);
        Assert.Equal(2, invocation.Options.MaxTimeoutsPerRun);
        Assert.Equal(2, invocation.Options.MaxAttemptsPerPhase);
        Assert.Equal(3, invocation.Options.MaxFingerprintRepeats);
        Assert.True(invocation.Options.SkipRunsWithQueued);
        Assert.False(invocation.Options.SkipRunsInFlight);
        Assert.False(invocation.Options.DryRun);
        Assert.Equal("process", invocation.Executor);
    }

    [Fact]
    public void Parse_EveryPythonFlag_MapsToOptions()
    {
        var invocation = DrainFlags.Parse(
        [
            "--batch-size", "50", "--run-id", "r1", "--dry-run", "--no-skip-runs-with-queued", "--api-url", "http://127.0.0.1:8000",
            "--phase-timeout-seconds=600", "--max-total-minutes", "60", "--max-timeouts-per-run", "1", "--max-attempts-per-phase", "1",
            "--max-fingerprint-repeats", "5", "--skip-run-prefix", "research-", "--skip-run-prefix", "tmp-", "--max-consecutive-zero-yield", "4",
            "--allow-empty-db", "--resume", "--executor", "demo", "--sample-first", "--json",
        ]);

        var o = invocation.Options;
        Assert.Equal((50, "r1", true, false, "http://127.0.0.1:8000"), (o.BatchSize, o.RunId, o.DryRun, o.SkipRunsWithQueued, o.ApiUrl));
        Assert.Equal((600, 60.0, 1, 1, 5, 4), (o.PhaseTimeoutSeconds, o.MaxTotalMinutes!.Value, o.MaxTimeoutsPerRun, o.MaxAttemptsPerPhase, o.MaxFingerprintRepeats, o.MaxConsecutiveZeroYield!.Value));
        Assert.Equal(["research-", "tmp-"], o.SkipRunPrefixes);
        Assert.True(o.AllowEmptyDb && o.SampleFirst && invocation.Resume && invocation.Json);
        Assert.Equal("demo", invocation.Executor);
    }

    [Fact]
    public void Parse_SkipRunsInFlight_TurnsOnTheRunLevelGuardOnly()
    {
        var o = DrainFlags.Parse(["--skip-runs-in-flight"]).Options;

        Assert.True(o.SkipRunsInFlight);
        Assert.True(o.SkipRunsWithQueued);
    }

    [Theory]
    [InlineData(new[] { "--batch-size", "ten" }, "argument --batch-size: invalid int value: 'ten' (allowed: an integer >= 1)")]
    [InlineData(new[] { "--batch-size", "0" }, "argument --batch-size: invalid value: 0 (allowed: an integer >= 1)")]
    [InlineData(new[] { "--max-total-minutes", "-5" }, "argument --max-total-minutes: invalid value: -5 (allowed: a number > 0 and <= 43200 (30 days))")]
    [InlineData(new[] { "--max-total-minutes", "1e308" }, "argument --max-total-minutes: invalid value: 1e308 (allowed: a number > 0 and <= 43200 (30 days))")]
    [InlineData(new[] { "--phase-timeout-seconds", "2147483647" }, "argument --phase-timeout-seconds: invalid value: 2147483647 (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData(new[] { "--phase-timeout-seconds", "99999999999999999999" }, "argument --phase-timeout-seconds: invalid int value: '99999999999999999999' (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData(new[] { "--phase-timeout-seconds", "0" }, "argument --phase-timeout-seconds: invalid value: 0 (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData(new[] { "--executor", "docker" }, "argument --executor: invalid choice: 'docker' (choose from 'process', 'demo')")]
    [InlineData(new[] { "--skip-runs-with-queued", "--no-skip-runs-with-queued" }, "argument --no-skip-runs-with-queued: not allowed with argument --skip-runs-with-queued")]
    [InlineData(new[] { "--executor-command", "python 'unclosed" }, "argument --executor-command: unterminated single quote at position 8")]
    [InlineData(new[] { "--endpoint", "https://x.azurewebsites.net" }, "argument --key: --endpoint and --key go together")]
    [InlineData(new[] { "--api-url", "localhost:8000" }, "argument --api-url: must be an absolute http:// or https:// URL")]
    [InlineData(new[] { "--batch-sise", "5" }, "unrecognized arguments: --batch-sise")]
    [InlineData(new[] { "--workspace", "/definitely/not/here" }, "argument --workspace: no such directory: /definitely/not/here")]
    public void Parse_BadInput_NamesFlagAndAllowedValues(string[] args, string expected)
    {
        var ex = Assert.Throws<UsageException>(() => DrainFlags.Parse(args));

        Assert.Equal(expected, ex.Message);
    }
}
