using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using DrainFunctions.Core.Options;

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

        return sb.ToString();
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

/// <summary><c>--json</c>: the same numbers for machines, deterministic to the byte.</summary>
public static class ReportJson
{
    public static string Render(SimulationReport report, bool includePicks = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("backlog");
            w.WriteString("source", report.Model.Source);
            w.WriteNumber("seed", report.Model.Seed);
            w.WriteNumber("phases", report.Model.Phases.Count);
            w.WriteNumber("runs", report.Model.Phases.Select(p => p.RunId).Distinct().Count());
            w.WriteStartObject("natures");
            foreach (var (nature, count) in report.Model.NatureCounts)
            {
                w.WriteNumber(ReportText.Name(nature), count);
            }

            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("single");
            foreach (var r in report.SingleDrains)
            {
                WritePolicy(w, r, includePicks, perDrain: false);
            }

            w.WriteEndArray();
            w.WriteStartObject("schedule");
            w.WriteNumber("drains", report.ScheduleDrains);
            w.WriteNumber("batch_size", report.ScheduleBatchSize);
            w.WriteNumber("interval_minutes", report.ScheduleIntervalMinutes);
            w.WriteStartArray("policies");
            foreach (var r in report.Schedule)
            {
                WritePolicy(w, r, includePicks, perDrain: true);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WritePolicy(Utf8JsonWriter w, PolicyRunReport r, bool includePicks, bool perDrain)
    {
        w.WriteStartObject();
        w.WriteString("policy", r.Name);
        if (r.Ledger is { } ledger)
        {
            w.WriteBoolean("ledger", ledger);
        }

        WriteOptions(w, r.Options);
        WriteMetrics(w, r.Metrics);
        w.WriteNumber("waste_reduction_vs_v1_percent", Round(r.WasteReductionVsV1));
        w.WriteNumber("waste_share_reduction_vs_v1_percent", Round(r.WasteShareReductionVsV1));
        w.WriteNumber("waste_reduction_vs_v1_same_time_percent", Round(r.WasteReductionVsV1SameTime));
        w.WriteStartArray("stops");
        foreach (var d in r.Drains)
        {
            w.WriteStringValue(d.Stop.ToString());
        }

        w.WriteEndArray();
        w.WriteStartArray("stopped_runs");
        foreach (var run in r.Drains.SelectMany(d => d.State.StoppedRuns).Distinct(StringComparer.Ordinal))
        {
            w.WriteStringValue(run);
        }

        w.WriteEndArray();
        if (perDrain)
        {
            w.WriteStartArray("drains");
            foreach (var d in r.Drains)
            {
                w.WriteStartObject();
                w.WriteString("started_at", d.StartedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                WriteMetrics(w, DrainMetrics.Of(d.Results));
                w.WriteNumber("skip_lines", d.SkipLines);
                w.WriteNumber("ledger_skip_lines", d.LedgerSkipLines);
                w.WriteString("stop", d.Stop.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
        else
        {
            w.WriteNumber("skip_lines", r.Drains.Sum(d => d.SkipLines));
        }

        if (includePicks)
        {
            w.WriteStartArray("picks");
            foreach (var p in r.Picks)
            {
                w.WriteStringValue(p);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter w, DrainOptions o)
    {
        w.WriteStartObject("options");
        w.WriteNumber("batch_size", o.BatchSize);
        w.WriteNumber("phase_timeout_seconds", o.PhaseTimeoutSeconds);
        if (o.MaxTotalMinutes is { } minutes)
        {
            w.WriteNumber("max_total_minutes", minutes);
        }
        else
        {
            w.WriteNull("max_total_minutes");
        }

        w.WriteNumber("max_timeouts_per_run", o.MaxTimeoutsPerRun);
        w.WriteNumber("max_attempts_per_phase", o.MaxAttemptsPerPhase);
        w.WriteNumber("max_fingerprint_repeats", o.MaxFingerprintRepeats);
        if (o.MaxConsecutiveZeroYield is { } z)
        {
            w.WriteNumber("max_consecutive_zero_yield", z);
        }
        else
        {
            w.WriteNull("max_consecutive_zero_yield");
        }

        w.WriteBoolean("sample_first", o.SampleFirst);
        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, DrainMetrics m)
    {
        w.WriteNumber("attempted", m.Attempted);
        w.WriteNumber("successes", m.Successes);
        w.WriteNumber("timeouts", m.Timeouts);
        w.WriteNumber("telemetry_events", m.TelemetryEvents);
        w.WriteNumber("executor_minutes", Round(m.ExecutorMinutes));
        w.WriteNumber("wasted_executor_minutes", Round(m.WastedMinutes));
        w.WriteNumber("waste_percent", Round(m.WastePercent));
        w.WriteNumber("phases_per_hour", Round(m.PhasesPerHour));
        w.WriteNumber("successes_per_hour", Round(m.SuccessesPerHour));
    }

    private static double Round(double value) => Math.Round(value, 2, MidpointRounding.ToEven);
}

/// <summary>The chart: cumulative successes against executor-minutes, one polyline per policy.</summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(IReadOnlyList<PolicyRunReport> series, string title)
    {
        ArgumentNullException.ThrowIfNull(series);
        const double width = 800, height = 480, left = 70, right = 200, top = 40, bottom = 60;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var curves = series.Select(s => (s.Label, Points: s.CumulativeSuccesses())).ToList();
        var maxX = NiceCeiling(Math.Max(1, curves.SelectMany(c => c.Points).Select(p => p.Minutes).DefaultIfEmpty(1).Max()));
        var maxY = NiceCeiling(Math.Max(1, curves.SelectMany(c => c.Points).Select(p => (double)p.Successes).DefaultIfEmpty(1).Max()));
        string X(double v) => F(left + (v / maxX * plotW));
        string Y(double v) => F(top + plotH - (v / maxY * plotH));

        var sb = new StringBuilder();
        sb.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.AppendLine(Inv($"  <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"white\"/>"));
        sb.AppendLine(Inv($"  <text x=\"{F(left)}\" y=\"24\" font-size=\"15\">{Escape(title)}</text>"));
        sb.AppendLine("  <g class=\"axes\" stroke=\"#333\" stroke-width=\"1\">");
        sb.AppendLine(Inv($"    <line x1=\"{F(left)}\" y1=\"{F(top + plotH)}\" x2=\"{F(left + plotW)}\" y2=\"{F(top + plotH)}\"/>"));
        sb.AppendLine(Inv($"    <line x1=\"{F(left)}\" y1=\"{F(top)}\" x2=\"{F(left)}\" y2=\"{F(top + plotH)}\"/>"));
        sb.AppendLine("  </g>");
        sb.AppendLine("  <g class=\"ticks\" fill=\"#333\">");
        for (var i = 0; i <= 5; i++)
        {
            var vx = maxX * i / 5;
            var vy = maxY * i / 5;
            sb.AppendLine(Inv($"    <line x1=\"{X(vx)}\" y1=\"{F(top + plotH)}\" x2=\"{X(vx)}\" y2=\"{F(top + plotH + 5)}\" stroke=\"#333\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{X(vx)}\" y=\"{F(top + plotH + 18)}\" text-anchor=\"middle\">{vx:0.#}</text>"));
            sb.AppendLine(Inv($"    <line x1=\"{F(left - 5)}\" y1=\"{Y(vy)}\" x2=\"{F(left)}\" y2=\"{Y(vy)}\" stroke=\"#333\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{F(left - 8)}\" y=\"{Y(vy)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{vy:0.#}</text>"));
        }

        sb.AppendLine("  </g>");
        sb.AppendLine(Inv($"  <text x=\"{F(left + (plotW / 2))}\" y=\"{F(height - 15)}\" text-anchor=\"middle\">executor-minutes</text>"));
        sb.AppendLine(Inv($"  <text x=\"18\" y=\"{F(top + (plotH / 2))}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {F(top + (plotH / 2))})\">cumulative successes</text>"));
        for (var i = 0; i < curves.Count; i++)
        {
            var color = Colors[i % Colors.Length];
            var pts = string.Join(" ", curves[i].Points.Select(p => X(p.Minutes) + "," + Y(p.Successes)));
            sb.AppendLine(Inv($"  <polyline data-policy=\"{Escape(curves[i].Label)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{pts}\"/>"));
        }

        sb.AppendLine("  <g class=\"legend\">");
        for (var i = 0; i < curves.Count; i++)
        {
            var y = top + 10 + (i * 20);
            var x = left + plotW + 20;
            sb.AppendLine(Inv($"    <line x1=\"{F(x)}\" y1=\"{F(y)}\" x2=\"{F(x + 24)}\" y2=\"{F(y)}\" stroke=\"{Colors[i % Colors.Length]}\" stroke-width=\"3\"/>"));
            sb.AppendLine(Inv($"    <text x=\"{F(x + 30)}\" y=\"{F(y)}\" dominant-baseline=\"middle\">{Escape(curves[i].Label)}</text>"));
        }

        sb.AppendLine("  </g>");
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
