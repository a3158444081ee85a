using System.Globalization;
using System.Text;
using System.Text.Json;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Simulation;

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
            if (report.ParallelSweep.Count > 0)
            {
                WriteParallelSweep(w, report.ParallelSweep, includePicks);
            }

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
        WriteExtensions(w, r.Options, r.Metrics);
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
                var metrics = DrainMetrics.Of(d.Results);
                WriteMetrics(w, metrics);
                WriteExtensions(w, r.Options, metrics);
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

    private static void WriteParallelSweep(Utf8JsonWriter w, IReadOnlyList<ParallelSweepRow> rows, bool includePicks)
    {
        w.WriteStartArray("parallel");
        foreach (var r in rows)
        {
            w.WriteStartObject();
            w.WriteString("policy", r.Policy);
            w.WriteNumber("parallel", r.Slots);
            WriteMetrics(w, r.Metrics);
            w.WriteNumber("wall_minutes", Round(r.WallMinutes));
            w.WriteNumber("wall_phases_per_hour", Round(r.PhasesPerHour));
            w.WriteNumber("wall_successes_per_hour", Round(r.SuccessesPerHour));
            w.WriteString("stop", r.Drain.Stop.ToString());
            if (includePicks)
            {
                w.WriteStartArray("picks");
                foreach (var p in r.Drain.Picks)
                {
                    w.WriteStringValue(p);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
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
        if (o.ExtendOnProgress)
        {
            w.WriteBoolean("extend_on_progress", true);
            w.WriteNumber("max_phase_timeout_seconds", o.LongestPhaseSeconds());
        }

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

    /// <summary>Only with <c>--extend-on-progress</c>, so that a report without it is unchanged.</summary>
    private static void WriteExtensions(Utf8JsonWriter w, DrainOptions o, DrainMetrics m)
    {
        if (!o.ExtendOnProgress)
        {
            return;
        }

        w.WriteNumber("extensions", m.Extensions);
        w.WriteNumber("extended_attempts", m.ExtendedAttempts);
        w.WriteNumber("extended_successes", m.ExtendedSuccesses);
    }

    private static double Round(double value) => Math.Round(value, 2, MidpointRounding.ToEven);
}
