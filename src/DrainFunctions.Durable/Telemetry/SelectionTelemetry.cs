using System.Diagnostics;
using DrainFunctions.Core.Selection;
using A = DrainFunctions.Durable.Telemetry.DrainTelemetry.Attributes;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>What one selection records: its latency, its skips by reason, and the pick on its span.</summary>
public static class SelectionTelemetry
{
    public static void Record(Activity? span, SelectionOutcome outcome, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        DrainTelemetry.SelectionSeconds.Record(elapsed.TotalSeconds);
        if (DrainTelemetry.Skips.Enabled)
        {
            foreach (var skip in outcome.Skips)
            {
                DrainTelemetry.Skips.Add(1, new KeyValuePair<string, object?>(A.Reason, SkipReasons.Of(skip.Reason)), new KeyValuePair<string, object?>(A.FromLedger, skip.FromLedger));
            }
        }

        if (span is null)
        {
            return;
        }

        span.SetTag(A.Picked, outcome.Selected is not null);
        if (outcome.Selected is { } picked)
        {
            span.SetTag(A.RunId, picked.RunId);
            span.SetTag(A.PhaseId, picked.PhaseId);
            span.SetTag(A.Category, PhaseCategorizer.Name(picked.Category));
        }
    }
}
