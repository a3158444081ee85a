using System.Diagnostics;
using System.Globalization;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

/// <summary>
/// What the drain's telemetry costs per phase (issue 18): everything the activities and the status
/// follower emit for one phase (the select, execute and save spans, the phase span, every
/// per-result metric, the controller overhead, the session's logging scope and four progress-line
/// events), timed phase by phase, with telemetry off (no listener: the production default) and on
/// (the OpenTelemetry SDK with the drain's sampler at ratio 1 and in-memory exporters for traces,
/// metrics and logs). Rounds alternate off and on; the figure is the median over every phase of a mode.
/// </summary>
internal static class TelemetryBench
{
    private const int Rounds = 5;

    public static void Run(int phasesPerRound)
    {
        var off = new List<double>();
        var on = new List<double>();
        var spansPerPhase = 0.0;
        for (var round = 0; round <= Rounds; round++)
        {
            // Round 0 warms both paths up (JIT, first allocations) and is not counted.
            var offRound = Measure(phasesPerRound, telemetry: false, out _);
            var onRound = Measure(phasesPerRound, telemetry: true, out var spans);
            if (round > 0)
            {
                off.AddRange(offRound);
                on.AddRange(onRound);
                spansPerPhase = spans / (double)phasesPerRound;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"telemetry cost per phase, {Rounds} rounds of {phasesPerRound} phases each way ({spansPerPhase:F1} spans exported per phase when on):"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  off: median {Median(off):F2} µs, p95 {Percentile(off, 0.95):F2} µs"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  on:  median {Median(on):F2} µs, p95 {Percentile(on, 0.95):F2} µs"));
    }

    private static List<double> Measure(int phases, bool telemetry, out int exportedSpans)
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        var logs = new List<LogRecord>();
        using var tracing = telemetry ? DrainSpanSampler.Configure(Sdk.CreateTracerProviderBuilder().AddSource(DrainTelemetry.Name), 1).AddInMemoryExporter(spans).Build() : null;
        using var metering = telemetry ? Sdk.CreateMeterProviderBuilder().AddMeter(DrainTelemetry.Name).AddInMemoryExporter(metrics).Build() : null;
        using var loggers = telemetry
            ? LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
            {
                o.IncludeScopes = true;
                o.AddInMemoryExporter(logs);
            }))
            : NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger(DrainLogs.ProgressCategory);
        var sessionId = "batch-drain-bench-" + Guid.NewGuid().ToString("N")[..8];
        var state = new PolicyState();
        var times = new List<double>(phases);
        using var scope = DrainLogs.BeginSession(logger, sessionId);
        DrainSpans.RecordSaved(sessionId, null, 0, state);
        long line = 0;
        for (var i = 0; i < phases; i++)
        {
            // The lines exist whether or not they are logged (the orchestrator writes them): not timed.
            string[] lines = ["[1/1] Selecting next phase...", $"  Draining: run-bench / p{i} (index {i})", i % 4 != 0 ? "  [OK] Success: COMPLETE" : "  [FAIL] Failed: FAILED", "    [TELEMETRY] +3 events (180.00/min)"];
            var started = Stopwatch.GetTimestamp();
            EmitPhase(sessionId, i, state, logger, lines, ref line);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        tracing?.ForceFlush();
        exportedSpans = spans.Count;
        return times;
    }

    private static void EmitPhase(string sessionId, int index, PolicyState state, ILogger logger, string[] lines, ref long line)
    {
        var phase = new PhaseCandidate("run-bench", $"p{index}", index, null);
        var attemptId = $"{sessionId}-a{index}";
        var success = index % 4 != 0;
        if (logger.IsEnabled(LogLevel.Information))
        {
            DrainLogs.ProgressLine(logger, sessionId, ++line, lines[0]);
        }

        using (var select = DrainSpans.StartStep(DrainTelemetry.Spans.Select, sessionId, null))
        {
            SelectionTelemetry.Record(select, new SelectionOutcome(phase, [], NoPickReason.None), TimeSpan.FromMilliseconds(3));
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            DrainLogs.ProgressLine(logger, sessionId, ++line, lines[1]);
        }

        using (var execute = DrainSpans.StartStep(DrainTelemetry.Spans.Execute, sessionId, attemptId))
        {
            execute?.SetTag(DrainTelemetry.Attributes.RunId, phase.RunId);
            execute?.SetTag(DrainTelemetry.Attributes.PhaseId, phase.PhaseId);
            DrainTelemetry.PhasesInFlight.Add(1);
            DrainTelemetry.PhasesInFlight.Add(-1);
            execute?.SetTag(DrainTelemetry.Attributes.ExecutorStatus, nameof(PhaseRunStatus.Completed));
            DrainSpans.MarkSettled(execute, new SettlePhaseOutcomeOutput { Found = true, State = success ? PhaseStates.Complete : PhaseStates.Failed });
        }

        var result = new DrainResult
        {
            RunId = phase.RunId,
            PhaseId = phase.PhaseId,
            Success = success,
            FinalState = success ? PhaseStates.Complete : PhaseStates.Failed,
            FailureFingerprint = success ? null : "exit 1: importerror",
            AttemptId = attemptId,
            Timestamp = "2026-01-01T00:00:00+00:00",
            SubprocessDurationSeconds = 0.001,
            TelemetryEventsCollected = 3,
            TelemetryYieldPerMinute = 180,
        };
        state.TotalProcessed++;
        using (DrainSpans.StartStep(DrainTelemetry.Spans.Save, sessionId, attemptId, DrainSpans.Outcome(result)))
        {
        }

        DrainSpans.RecordSaved(sessionId, result, index, state);
        if (logger.IsEnabled(LogLevel.Information))
        {
            DrainLogs.ProgressLine(logger, sessionId, ++line, lines[2]);
            DrainLogs.ProgressLine(logger, sessionId, ++line, lines[3]);
        }
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double share)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(share * sorted.Count))];
    }
}
