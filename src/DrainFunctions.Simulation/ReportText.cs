using System.Globalization;
using System.Text;

namespace DrainFunctions.Simulation;

/// <summary>The terminal table.</summary>
public static class ReportText
{
    public static string Render(SimulationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        var m = report.Model;
        sb.AppendLine(Inv($"Backlog: {m.Source} ({m.Phases.Count} phases, {m.Phases.Select(p => p.RunId).Distinct().Count()} runs)"));
        sb.AppendLine("  natures: " + string.Join(", ", m.NatureCounts.Select(kv => Inv($"{Name(kv.Key)} {kv.Value}"))));
        if (report.SingleDrains.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("One drain per policy (batch = whole backlog unless --batch-size; stops when nothing is eligible or the budget is spent)");
            Table(sb, report.SingleDrains, report.SingleBaseline);
        }

        if (report.Schedule.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(Inv($"Schedule: {report.ScheduleDrains} drains of {report.ScheduleBatchSize} phases, one every {report.ScheduleIntervalMinutes} min, same backlog"));
            Table(sb, report.Schedule, report.ScheduleBaseline);
            sb.AppendLine();
            sb.AppendLine("Per drain: attempted/successes/wasted executor-minutes");
            var width = Math.Max(22, report.Schedule.Max(r => r.Label.Length) + 2);
            sb.Append("  drain".PadRight(8));
            foreach (var r in report.Schedule)
            {
                sb.Append(r.Label.PadLeft(width));
            }

            sb.AppendLine();
            for (var i = 0; i < report.ScheduleDrains; i++)
            {
                sb.Append(Inv($"  {i + 1,-6}"));
                foreach (var r in report.Schedule)
                {
                    var d = DrainMetrics.Of(r.Drains[i].Results);
                    sb.Append(Inv($"{d.Attempted}/{d.Successes}/{d.WastedMinutes:0.0}").PadLeft(width));
                }

                sb.AppendLine();
            }
        }

        if (report.ParallelSweep.Count > 0)
        {
            sb.AppendLine();
            ParallelTable(sb, report.ParallelSweep);
        }

        return sb.ToString();
    }

    private static void ParallelTable(StringBuilder sb, IReadOnlyList<ParallelSweepRow> rows)
    {
        sb.AppendLine("Parallel slots: one drain per policy and K (batch = whole backlog unless --batch-size; never two phases of a run at once)");
        var labelWidth = Math.Max(16, rows.Max(r => r.Policy.Length) + 1);
        sb.AppendLine("  " + "policy".PadRight(labelWidth) + " K  attempted  success  timeouts  exec-min  wasted-min  wall-min  phases/h  success/h  speed-up  stop");
        foreach (var r in rows)
        {
            var x = r.Metrics;
            var sequential = rows.FirstOrDefault(s => s.Policy == r.Policy && s.Slots == 1);
            var speedUp = sequential is null ? "-" : Inv($"{r.SpeedUpOver(sequential):0.00}x");
            sb.AppendLine(Inv($"  {r.Policy.PadRight(labelWidth)}{r.Slots,2}  {x.Attempted,9}  {x.Successes,7}  {x.Timeouts,8}  {x.ExecutorMinutes,8:0.0}  {x.WastedMinutes,10:0.0}  {r.WallMinutes,8:0.0}  {r.PhasesPerHour,8:0.0}  {r.SuccessesPerHour,9:0.0}  {speedUp,8}  {r.Drain.Stop}"));
        }

        sb.AppendLine("  phases/h, success/h: per hour of wall clock (the drain's start to its last attempt's end); exec-min and wasted-min: executor-minutes summed over the slots.");
    }

    private static void Table(StringBuilder sb, IReadOnlyList<PolicyRunReport> rows, PolicyRunReport? baseline)
    {
        var labelWidth = Math.Max(16, rows.Max(r => r.Label.Length) + 1);
        sb.AppendLine("  " + "policy".PadRight(labelWidth) + "attempted  success  timeouts  telemetry  exec-min  wasted-min  waste%  waste-vs-v1  same-time  phases/h  success/h  stop");
        foreach (var r in rows)
        {
            var x = r.Metrics;
            var stop = string.Join(",", r.Drains.Select(d => d.Stop.ToString()).Distinct());
            sb.AppendLine(Inv($"  {r.Label.PadRight(labelWidth)}{x.Attempted,9}  {x.Successes,7}  {x.Timeouts,8}  {x.TelemetryEvents,9}  {x.ExecutorMinutes,8:0.0}  {x.WastedMinutes,10:0.0}  {x.WastePercent,5:0.0}%  {Signed(r.WasteReductionVsV1),11}  {Signed(r.WasteReductionVsV1SameTime),9}  {x.PhasesPerHour,8:0.0}  {x.SuccessesPerHour,9:0.0}  {stop}"));
        }

        if (baseline is not null && !rows.Contains(baseline))
        {
            var b = baseline.Metrics;
            sb.AppendLine(Inv($"  (v1 baseline, not shown: {b.Attempted} attempted, {b.Successes} successes, {b.ExecutorMinutes:0.0} executor-min, {b.WastedMinutes:0.0} wasted)"));
        }

        sb.AppendLine("  waste-vs-v1: change in wasted executor-minutes against v1 over the whole scenario; same-time: against v1's first N executor-minutes (N = this row's).");
        foreach (var r in rows.Where(r => r.Options.ExtendOnProgress))
        {
            var x = r.Metrics;
            sb.AppendLine(Inv($"  {r.Label}: --extend-on-progress up to {r.Options.LongestPhaseSeconds()} s: {x.Extensions} extensions, {x.ExtendedAttempts} attempts extended, {x.ExtendedSuccesses} of them succeeded."));
        }
    }

    private static string Signed(double reduction) => Math.Abs(reduction) < 0.05 ? "0.0%" : Inv($"{-reduction:+0.0;-0.0}%");

    internal static string Name(PhaseNature nature) => nature switch
    {
        PhaseNature.SlowSuccess => "slow-success",
        PhaseNature.QuickSuccess => "quick-success",
        _ => nature.ToString().ToLowerInvariant(),
    };

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
