using System.Globalization;
using System.Text;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Reporting;

/// <summary>
/// The summary report of a session: the seed's format, and the later tool's lines where the seed
/// shows none (the zero-yield and LLM-boundary blocks, "In progress", where it was saved).
/// </summary>
public static class SummaryReport
{
    public static string Render(DrainSession session, string? savedTo)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session.State;
        var text = new StringBuilder();
        void Line(string value = "") => text.Append(value).Append('\n');
        string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

        Line(ProgressLines.HeavyRule);
        Line("BATCH DRAIN SUMMARY");
        Line(ProgressLines.HeavyRule);
        Line($"Session ID: {session.SessionId}");
        Line($"Started: {session.StartedAt}");
        Line($"Completed: {session.CompletedAt ?? "In progress"}");
        Line();
        Line(Invariant($"Total Processed: {s.TotalProcessed}"));
        Line(Invariant($"  [OK] Succeeded: {s.TotalSuccess}"));
        Line(Invariant($"  [FAIL] Failed: {s.TotalFailed}"));
        Line(Invariant($"  [TIMEOUT] Timeouts: {s.TotalTimeouts}"));
        if (s.TotalProcessed > 0)
        {
            Line($"Success Rate: {PyFloat.FormatFixed((double)s.TotalSuccess / s.TotalProcessed * 100, 1)}%");
        }

        // Only a parallel drain numbers its slots; a sequential one's report stays the tool's.
        var perSlot = session.Results.Where(r => r.Slot is not null).GroupBy(r => r.Slot!.Value).OrderBy(g => g.Key).ToList();
        if (perSlot.Count > 0)
        {
            Line(Invariant($"Parallel Slots: {perSlot.Count} (phases per slot: {string.Join(", ", perSlot.Select(g => Invariant($"{g.Key}: {g.Count()}")))})"));
        }

        Line();
        Line("Telemetry Collection:");
        Line(Invariant($"  Total Events: {s.TotalTelemetryEvents}"));
        if (s.TotalTelemetryEvents > 0)
        {
            // Over the time of the phases that ran to an end; timeouts would only dilute the yield.
            var seconds = session.Results.Where(r => !r.IsTimeout).Sum(r => r.SubprocessDurationSeconds ?? 0);
            if (seconds > 0)
            {
                Line($"  Overall Yield: {PyFloat.FormatFixed(s.TotalTelemetryEvents / (seconds / 60), 2)} events/minute");
            }
        }

        // Every result without telemetry counts, a reason missing (older files, interrupted
        // attempts) as "unknown", most frequent first and ties in order of first appearance: the
        // tool's breakdown, its blocks unindented after a blank line.
        var zeroYield = session.Results
            .Where(r => r.TelemetryEventsCollected is not > 0)
            .GroupBy(r => r.ZeroYieldReason ?? "unknown")
            .Select((group, firstSeen) => (Reason: group.Key, Count: group.Count(), firstSeen))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.firstSeen)
            .ToList();
        if (zeroYield.Count > 0)
        {
            Line();
            Line("Zero-Yield Breakdown:");
            foreach (var (reason, count, _) in zeroYield)
            {
                Line(Invariant($"  {reason}: {count}"));
            }
        }

        var boundaryHits = session.Results.Count(r => r.ReachedLlmBoundary);
        if (boundaryHits > 0)
        {
            Line();
            Line(Invariant($"LLM Boundary Hits: {boundaryHits} phases hit message/context limits"));
        }

        Line();
        Line("Stop Conditions:");
        Line(Invariant($"  Stopped Runs: {s.StoppedRuns.Count}"));
        foreach (var run in s.StoppedRuns.Order(StringComparer.Ordinal))
        {
            Line($"    - {run}");
        }

        Line(Invariant($"  Unique Fingerprints: {s.FingerprintCounts.Count}"));
        Line(Invariant($"  Repeat Limit Hits: {s.StoppedFingerprints.Count}"));
        Line();
        Line("Results by Run:");
        Line(ProgressLines.LightRule);
        foreach (var run in session.Results.GroupBy(r => r.RunId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var stopped = s.StoppedRuns.Contains(run.Key) ? " [STOPPED]" : string.Empty;
            var succeeded = run.Count(r => r.Success);
            var timeouts = run.Count(r => r.IsTimeout);
            var events = run.Sum(r => Math.Max(r.TelemetryEventsCollected ?? 0, 0));
            Line(Invariant($"  {run.Key}{stopped}: {succeeded}/{run.Count()} succeeded, {timeouts} timeouts, {events} events"));
        }

        if (savedTo is not null)
        {
            Line();
            Line("Session saved to:");
            Line($"  {savedTo}");
        }

        Line(ProgressLines.HeavyRule);
        return text.ToString();
    }
}
