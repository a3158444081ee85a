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
        Assert.Contains("Completed: (in progress)\n", report, StringComparison.Ordinal);
        Assert.Contains("  Total Events: 0\n", report, StringComparison.Ordinal);
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
        Assert.Equal("  [DRY RUN] Would drain: research-system-v6 / research-foundation-orchestrator (index 0)", ProgressLines.WouldDrain(phase));
        Assert.Equal("\n[3/10] Selecting next phase...", ProgressLines.Selecting(2, 10));
    }
}
