using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Tests;

/// <summary>
/// The session behind the seed's summary example (10 phases, 3 succeeded, 2 timeouts, 27 events,
/// two stopped runs), built through the real bookkeeping.
/// </summary>
internal static class SeedSession
{
    private const string FingerprintA = "FAILED|rc1|ci collectionpath error";
    private const string FingerprintB = "TIMEOUT|timeout|phase execution timed out after num seconds";

    public static DrainSession Build()
    {
        var session = new DrainSession
        {
            SessionId = "batch-drain-20251228-060007",
            StartedAt = "2025-12-28T06:00:07+00:00",
            CompletedAt = "2025-12-28T06:15:32+00:00",
            BatchSize = 10,
        };
        var options = new DrainOptions { BatchSize = 10, MaxFingerprintRepeats = 2 };
        (string Run, string Phase, bool Ok, int Rc, long Events, double Seconds, string? Fingerprint, string? ZeroYield, bool Boundary)[] rows =
        [
            ("build130-schema-validation", "schema-validation-phase", true, 0, 15, 80, null, null, false),
            ("research-system-v4", "research-integration", false, 1, 0, 90, FingerprintA, "failed_before_llm", false),
            ("research-system-v6", "research-foundation-orchestrator", false, 1, 0, 100, FingerprintA, "execution_error", false),
            ("research-system-v4", "research-gap-analysis", false, -1, 0, 900, FingerprintB, "timeout", false),
            ("build130-schema-validation", "schema-docs-phase", true, 0, 7, 70, null, null, false),
            ("research-system-v6", "research-meta-analysis", true, 0, 5, 60, null, null, false),
            ("research-system-v4", "research-synthesis", false, -1, 0, 900, FingerprintB, "timeout", false),
            ("research-system-v4", "research-report", false, 1, 0, 91.2, "FAILED|rc1|missing deliverable: path", "failed_before_llm", false),
            ("research-system-v6", "research-review", false, 1, 0, 85, "FAILED|rc1|context window exceeded", "llm_boundary_hit", true),
            ("build130-schema-validation", "schema-migration-phase", false, 2, 0, 85, "FAILED|rc2|patch apply failed", "execution_error", false),
        ];

        var minute = 0;
        foreach (var row in rows)
        {
            var result = new DrainResult
            {
                RunId = row.Run,
                PhaseId = row.Phase,
                PhaseIndex = minute % 3,
                InitialState = "FAILED",
                FinalState = row.Ok ? "COMPLETE" : row.Rc == -1 ? "TIMEOUT" : "FAILED",
                Success = row.Ok,
                ErrorMessage = row.Ok ? null : row.Rc == -1 ? "Phase execution timed out after 900 seconds" : "CI collection/import error",
                Timestamp = $"2025-12-28T06:{1 + minute:00}:00+00:00",
                SubprocessReturncode = row.Rc,
                SubprocessDurationSeconds = row.Seconds,
                SubprocessStdoutPath = $"batch-drain-20251228-060007/logs/{row.Run}__{row.Phase}.stdout.txt",
                SubprocessStderrPath = $"batch-drain-20251228-060007/logs/{row.Run}__{row.Phase}.stderr.txt",
                SubprocessStdoutExcerpt = row.Ok ? "Phase complete" : string.Empty,
                SubprocessStderrExcerpt = string.Empty,
                FailureFingerprint = row.Fingerprint,
                TelemetryEventsCollected = row.Events,
                TelemetryYieldPerMinute = DrainFunctions.Core.Results.ResultClassifier.YieldPerMinute(row.Events, row.Seconds),
                ReachedLlmBoundary = row.Boundary,
                ZeroYieldReason = row.ZeroYield ?? (row.Events > 0 ? null : "success_no_llm_calls"),
            };
            session.Results.Add(result);
            PolicyBookkeeper.Record(session.State, result, options);
            minute++;
        }

        return session;
    }
}
