using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Core.Tests.Golden;

namespace DrainFunctions.Core.Tests.Reporting;

public class SummaryReportTests
{
    [Fact]
    public void Render_SeedExampleSession_MatchesGoldenReport()
    {
        var report = SummaryReport.Render(SeedSession.Build(), ".autonomous_runs/batch_drain_sessions/batch-drain-20251228-060007.json");

        Assert.Equal(GoldenFile.Read("seed-summary.txt"), report);
    }

    [Fact]
    public void Render_NothingProcessed_OmitsRateYieldAndBreakdown()
    {
        var session = new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 5 };

        var report = SummaryReport.Render(session, null);

        Assert.DoesNotContain("Success Rate", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Overall Yield", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Zero-Yield Breakdown", report, StringComparison.Ordinal);
        Assert.DoesNotContain("LLM Boundary", report, StringComparison.Ordinal);
        Assert.Contains("Completed: In progress\n", report, StringComparison.Ordinal);
        Assert.Contains("  Total Events: 0\n", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ZeroYieldWithoutReason_CountedAsUnknownLikeTheTool()
    {
        // Older files and interrupted attempts have no reason; unknown telemetry is no telemetry.
        var session = new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 5 };
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "1", FinalState = "FAILED", TelemetryEventsCollected = null });
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "2", FinalState = "FAILED", TelemetryEventsCollected = 0, ZeroYieldReason = "timeout" });
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "3", FinalState = "FAILED", TelemetryEventsCollected = 0 });
        session.Results.Add(new DrainResult { RunId = "r", PhaseId = "4", FinalState = "COMPLETE", Success = true, TelemetryEventsCollected = 3 });

        var report = SummaryReport.Render(session, null);

        Assert.Contains("\n\nZero-Yield Breakdown:\n  unknown: 2\n  timeout: 1\n\nStop Conditions:\n", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("banner-defaults.txt")]
    [InlineData("banner-every-option.txt")]
    public void Banner_Options_MatchesGoldenLines(string golden)
    {
        var options = golden == "banner-defaults.txt" ? new DrainOptions() : new DrainOptions
        {
            BatchSize = 50,
            RunId = "build130-schema-validation",
            DryRun = true,
            PhaseTimeoutSeconds = 600,
            MaxTotalMinutes = 60,
            MaxTimeoutsPerRun = 1,
            MaxAttemptsPerPhase = 1,
            MaxFingerprintRepeats = 5,
            MaxConsecutiveZeroYield = 4,
            SkipRunPrefixes = ["research-system", "scratch-"],
            SkipRunsWithQueued = false,
            SkipRunsInFlight = true,
            SampleFirst = true,
            LedgerEnabled = false,
        };

        var text = string.Join("\n", ProgressLines.Banner("batch-drain-20251228-060007", options)) + "\n";

        Assert.Equal(GoldenFile.Read(golden), text);
    }

    [Theory]
    [InlineData(900, 1.5, "  - Phase timeout: 900s (15m)", "  - Max total time: 1.5m")]
    [InlineData(59, 120.0, "  - Phase timeout: 59s (0m)", "  - Max total time: 120m")]
    [InlineData(1805, null, "  - Phase timeout: 1805s (30m)", "  - Max total time: unlimited")]
    public void Banner_TimeoutAndBudget_WholeMinutesLikePythonFloorDivision(int timeout, double? budget, string timeoutLine, string budgetLine)
    {
        var lines = ProgressLines.Banner("s", new DrainOptions { PhaseTimeoutSeconds = timeout, MaxTotalMinutes = budget });

        Assert.Contains(timeoutLine, lines);
        Assert.Contains(budgetLine, lines);
    }

    [Fact]
    public void Outcome_LongError_ShowsFirst100CodePointsLikeTheTool()
    {
        var message = new string('e', 99) + "\U0001D7D9" + "tail";
        var result = new DrainResult { FinalState = "FAILED", ErrorMessage = message };

        Assert.Equal(["  [FAIL] Failed: FAILED", $"    Error: {new string('e', 99)}\U0001D7D9"], ProgressLines.Outcome(result));
    }

    [Fact]
    public void Outcome_LlmBoundary_PrintsBoundaryLineAfterTelemetry()
    {
        var result = new DrainResult { FinalState = "FAILED", ErrorMessage = "max_turns reached", TelemetryEventsCollected = 0, ReachedLlmBoundary = true };

        Assert.Equal(
            ["  [FAIL] Failed: FAILED", "    Error: max_turns reached", "    [TELEMETRY] +0 events (0.00/min)", "    [LLM-BOUNDARY] Hit message/context limit during execution"],
            ProgressLines.Outcome(result));
    }

    [Fact]
    public void Outcome_SuccessAndFailure_PrintsSeedProgressLines()
    {
        var session = SeedSession.Build();

        Assert.Equal(["  [OK] Success: COMPLETE", "    [TELEMETRY] +15 events (11.25/min)"], ProgressLines.Outcome(session.Results[0]));
        Assert.Equal(
            ["  [FAIL] Failed: FAILED", "    Error: CI collection/import error", "    [TELEMETRY] +0 events (0.00/min)"],
            ProgressLines.Outcome(session.Results[2]));
    }

    [Fact]
    public void Outcome_TelemetryUnknown_PrintsNoTelemetryLine()
    {
        var result = new DrainResult { FinalState = "FAILED", ErrorMessage = "x", TelemetryEventsCollected = null };

        Assert.Equal(["  [FAIL] Failed: FAILED", "    Error: x"], ProgressLines.Outcome(result));
    }

    [Fact]
    public void Draining_Candidate_PrintsSeedLine()
    {
        var phase = new DrainFunctions.Core.Selection.PhaseCandidate("research-system-v6", "research-foundation-orchestrator", 0, null);

        Assert.Equal("  Draining: research-system-v6 / research-foundation-orchestrator (index 0)", ProgressLines.Draining(phase));
        Assert.Equal("  [DRY RUN] Would drain: research-system-v6 / research-foundation-orchestrator", ProgressLines.WouldDrain(phase));
        Assert.Equal("\n[3/10] Selecting next phase...", ProgressLines.Selecting(2, 10));
    }
}
