using System.Diagnostics;
using DrainFunctions.Core.Options;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Telemetry;
using DrainFunctions.Durable.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using A = DrainFunctions.Durable.Telemetry.DrainTelemetry.Attributes;

namespace DrainFunctions.Durable.Tests;

[Collection(DurableSerialGroup.Name)]
public sealed class DrainTelemetryTests
{
    [Fact]
    public async Task Drain_WithInMemoryExporter_SpansFormOneTreeAndMetricsMatchTheSessionTotals()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(DrainTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddMeter(DrainTelemetry.Name).AddInMemoryExporter(metrics).Build();

        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-a", "fail-1", 1, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-a", "fail-2", 2, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput
        {
            Options = new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 30, MaxFingerprintRepeats = 2 },
            GraceSeconds = 1,
        });
        tracing!.ForceFlush();
        metering!.ForceFlush();

        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal(4, session.Results.Count);
        var mine = spans.Where(s => s.TraceId == TraceIds.Trace(output.SessionId)).ToList();

        var root = Assert.Single(mine, s => s.OperationName == DrainTelemetry.Spans.Session);
        Assert.Equal(TraceIds.SessionSpan(output.SessionId), root.SpanId);
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal(session.State.TotalProcessed, root.GetTagItem(A.Processed));
        Assert.Equal(session.State.TotalFailed, root.GetTagItem(A.Failed));

        var phases = mine.Where(s => s.OperationName == DrainTelemetry.Spans.Phase).ToList();
        Assert.Equal(session.Results.Count, phases.Count);
        foreach (var result in session.Results)
        {
            var phase = Assert.Single(phases, s => Equals(s.GetTagItem(A.AttemptId), result.AttemptId));
            Assert.Equal(root.SpanId, phase.ParentSpanId);
            Assert.Equal(TraceIds.PhaseSpan(result.AttemptId!), phase.SpanId);
            Assert.Equal(result.RunId, phase.GetTagItem(A.RunId));
            Assert.Equal(result.PhaseId, phase.GetTagItem(A.PhaseId));
            Assert.Equal(result.FinalState, phase.GetTagItem(A.FinalState));
            Assert.Equal(result.FailureFingerprint, phase.GetTagItem(A.Fingerprint));
            Assert.Equal(result.Success ? ActivityStatusCode.Ok : ActivityStatusCode.Error, phase.Status);
            Assert.Equal(result.Success ? DrainTelemetry.Outcomes.Success : DrainTelemetry.Outcomes.Failed, phase.GetTagItem(A.Outcome));

            var steps = mine.Where(s => s.ParentSpanId == phase.SpanId).ToList();
            var execute = Assert.Single(steps, s => s.OperationName == DrainTelemetry.Spans.Execute);
            Assert.Equal(result.PhaseId.StartsWith("ok", StringComparison.Ordinal) ? "unknown" : "collection", execute.GetTagItem(A.Category));
            Assert.Equal(result.RunId, execute.GetTagItem(A.RunId));
            Assert.Single(steps, s => s.OperationName == DrainTelemetry.Spans.Save);
        }

        Assert.Contains(session.Results, r => !r.Success);
        Assert.All(mine.Where(s => s.OperationName == DrainTelemetry.Spans.Select), s => Assert.Equal(root.SpanId, s.ParentSpanId));

        Assert.Equal(session.State.TotalProcessed, Sum(metrics, "drain.phases"));
        Assert.Equal(session.State.TotalSuccess, Sum(metrics, "drain.phases", DrainTelemetry.Outcomes.Success));
        Assert.Equal(session.State.TotalFailed, Sum(metrics, "drain.phases") - Sum(metrics, "drain.phases", DrainTelemetry.Outcomes.Success));
        Assert.Equal(session.State.TotalTelemetryEvents, Sum(metrics, "drain.telemetry.events"));
        Assert.Equal(0, Sum(metrics, "drain.phases.in_flight"));
        Assert.Equal(session.Results.Count, HistogramCount(metrics, "drain.executor.duration"));
        Assert.True(HistogramCount(metrics, "drain.selection.duration") >= session.Results.Count);

        // One process saved every result: each phase's overhead (its cycle less its executor time) is measured.
        Assert.Equal(session.Results.Count, HistogramCount(metrics, "drain.controller.overhead"));
        Assert.InRange(Last(metrics, "drain.controller.overhead").MetricPoints.Sum(p => p.GetHistogramSum()), 0.0, 60.0);

        // fail-2 repeats fail-1's fingerprint: its executor seconds are the waste.
        var repeated = session.Results.Where((r, i) => !r.Success && session.Results.Take(i).Any(e => e.FailureFingerprint == r.FailureFingerprint)).ToList();
        Assert.Single(repeated);
        Assert.Equal(repeated.Sum(r => r.SubprocessDurationSeconds ?? 0), SumDouble(metrics, "drain.executor.wasted"), 6);
    }

    private static MetricSnapshot Last(List<MetricSnapshot> metrics, string name) => metrics.Last(m => m.Name == name);

    private static long Sum(List<MetricSnapshot> metrics, string name, string? outcome = null)
    {
        if (!metrics.Any(m => m.Name == name))
        {
            return 0;
        }

        long total = 0;
        foreach (var point in Last(metrics, name).MetricPoints)
        {
            if (outcome is null || TagOf(point, A.Outcome) == outcome)
            {
                total += point.GetSumLong();
            }
        }

        return total;
    }

    private static double SumDouble(List<MetricSnapshot> metrics, string name) => Last(metrics, name).MetricPoints.Sum(p => p.GetSumDouble());

    private static long HistogramCount(List<MetricSnapshot> metrics, string name) => Last(metrics, name).MetricPoints.Sum(p => p.GetHistogramCount());

    private static string? TagOf(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
