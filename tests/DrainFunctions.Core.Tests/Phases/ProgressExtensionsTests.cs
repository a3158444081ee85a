using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests.Phases;

public sealed class ProgressExtensionsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(3, 1.0)]
    [InlineData(1, 0.5)]
    [InlineData(60, 6.0)]
    [InlineData(900, 30.0)]
    [InlineData(20000, 30.0)]
    public void CheckLead_BaseTimeout_TenthBetweenOneAndThirtySecondsAtMostHalf(int baseSeconds, double expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), ProgressExtensions.CheckLead(baseSeconds));

    [Fact]
    public void NextCheck_BelowTheMaximum_LeadBeforeTheDeadline() =>
        Assert.Equal(Start.AddSeconds(1800 - 30), ProgressExtensions.NextCheck(Start, 1800, 900, 2700));

    [Fact]
    public void NextCheck_AtTheMaximum_Never() =>
        Assert.Null(ProgressExtensions.NextCheck(Start, 1800, 900, 1800));

    [Fact]
    public void Decide_NewOutput_OneMoreBaseTimeout()
    {
        var extension = ProgressExtensions.Decide(600, 1200, 600, 570.1234, new ProgressMarks(10, 0), new ProgressMarks(10, 4096));
        Assert.Equal(new PhaseExtension(570.123, 0, 4096, 1200), extension);
    }

    [Fact]
    public void Decide_NewTelemetryRows_ExtendedButCappedAtTheMaximum()
    {
        var extension = ProgressExtensions.Decide(600, 1500, 1200, 1170, new ProgressMarks(10, 500), new ProgressMarks(13, 500));
        Assert.Equal(new PhaseExtension(1170, 3, 0, 1500), extension);
    }

    [Theory]
    [InlineData(600, 1200, 600, 570, 10L, 100L, 10L, 100L)]   // nothing new
    [InlineData(600, 1200, 1200, 1170, 10L, 100L, 20L, 900L)] // already at the maximum
    [InlineData(600, 1200, 600, 570, null, 100L, 20L, 100L)]  // rows not countable at the start: not progress
    public void Decide_NoProgressOrNoRoom_Null(int baseSeconds, int longest, int timeout, double elapsed, long? lastEvents, long lastBytes, long? nowEvents, long nowBytes) =>
        Assert.Null(ProgressExtensions.Decide(baseSeconds, longest, timeout, elapsed, new ProgressMarks(lastEvents, lastBytes), new ProgressMarks(nowEvents, nowBytes)));

    [Fact]
    public void Line_Extension_TheIssuesShape()
    {
        Assert.Equal("    [EXTEND] progress seen (+3 events, +12.5 KB output): deadline now 20m", ProgressExtensions.Line(new PhaseExtension(570, 3, 12800, 1200)));
        Assert.Equal("    [EXTEND] progress seen (+0 events, +0.1 KB output): deadline now 6s", ProgressExtensions.Line(new PhaseExtension(2, 0, 20, 6)));
        Assert.Equal("    [EXTEND] progress seen (+2 events, +0 KB output): deadline now 2m30s", ProgressExtensions.Line(new PhaseExtension(2, 2, 0, 150)));
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(60, "1m")]
    [InlineData(1200, "20m")]
    [InlineData(7200, "2h")]
    [InlineData(5400, "1h30m")]
    [InlineData(3601, "1h1s")]
    public void Duration_Seconds_AsAPersonSaysIt(int seconds, string expected) => Assert.Equal(expected, ProgressExtensions.Duration(seconds));

    [Fact]
    public void LongestPhaseSeconds_Defaults_TwiceTheTimeoutOnlyWhenExtending()
    {
        Assert.Equal(900, new DrainOptions().LongestPhaseSeconds());
        Assert.Equal(1800, new DrainOptions { ExtendOnProgress = true }.LongestPhaseSeconds());
        Assert.Equal(2700, new DrainOptions { ExtendOnProgress = true, MaxPhaseTimeoutSeconds = 2700 }.LongestPhaseSeconds());
        Assert.Equal(DrainOptions.PhaseTimeoutLimitSeconds, new DrainOptions { ExtendOnProgress = true, PhaseTimeoutSeconds = DrainOptions.PhaseTimeoutLimitSeconds }.LongestPhaseSeconds());
    }

    [Fact]
    public void Validate_MaximumBelowTheTimeoutWhenExtending_NamesTheOption()
    {
        var below = Assert.Single(new DrainOptions { ExtendOnProgress = true, MaxPhaseTimeoutSeconds = 600 }.Validate());
        Assert.Equal(new OptionError("max-phase-timeout-seconds", "must be at least phase-timeout-seconds (900) with extend-on-progress (got 600)"), below);
        Assert.Empty(new DrainOptions { ExtendOnProgress = true, MaxPhaseTimeoutSeconds = 900 }.Validate());
    }

    [Fact]
    public void Validate_MaximumWithoutExtend_AcceptedAndUnused()
    {
        var options = new DrainOptions { MaxPhaseTimeoutSeconds = 600 };
        Assert.Empty(options.Validate());
        Assert.Equal(900, options.LongestPhaseSeconds());
    }

    [Fact]
    public void SessionJson_ResultWithExtensions_RoundTripsAndOthersHaveNoField()
    {
        var session = new DrainSession { SessionId = "batch-drain-20261130-090000", StartedAt = "2026-11-30T09:00:00+00:00" };
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "p", Extensions = [new PhaseExtension(570.5, 3, 4096, 1200), new PhaseExtension(1170, 0, 10, 1800)] });
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "q" });

        var json = SessionJson.Serialize(session);
        Assert.Contains("\"extensions\": [", json, StringComparison.Ordinal);
        Assert.Contains("\"at_seconds\": 570.5", json, StringComparison.Ordinal);
        Assert.Equal(1, json.Split("\"extensions\"").Length - 1);
        var read = SessionJson.Parse(json, "test");
        Assert.Equal(session.Results[0].Extensions, read.Results[0].Extensions);
        Assert.Null(read.Results[1].Extensions);
    }

    [Fact]
    public void SessionJson_ExtensionWithoutItsTimeout_NamesTheField()
    {
        const string json = """{"session_id": "s", "started_at": "2026-11-30T09:00:00+00:00", "results": [{"run_id": "r", "phase_id": "p", "extensions": [{"at_seconds": 1.0}]}]}""";
        var error = Assert.Throws<SessionFormatException>(() => SessionJson.Parse(json, "old.json"));
        Assert.Contains("results[0].extensions[0].timeout_seconds", error.Message, StringComparison.Ordinal);
    }
}
