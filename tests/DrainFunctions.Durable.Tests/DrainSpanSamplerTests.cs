using System.Diagnostics;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Telemetry;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using A = DrainFunctions.Durable.Telemetry.DrainTelemetry.Attributes;

namespace DrainFunctions.Durable.Tests;

/// <summary>
/// Sampling the drain's way (<see cref="DrainSpanSampler.Configure"/>), with the OpenTelemetry SDK
/// and its in-memory exporter: a failed phase's spans are never dropped, a successful phase's are
/// kept for the configured share of the phases, all or none of them.
/// </summary>
[Collection(DurableSerialGroup.Name)]
public sealed class DrainSpanSamplerTests
{
    [Fact]
    public async Task Drain_RatioZero_KeepsEveryFailedPhasesSpansAndNoSuccessfulPhasesSpans()
    {
        var spans = new List<Activity>();
        using var tracing = DrainSpanSampler.Configure(Sdk.CreateTracerProviderBuilder().AddSource(DrainTelemetry.Name), 0).AddInMemoryExporter(spans).Build();

        await using var bed = await TestBed.CreateAsync();
        await bed.AddPhaseAsync("run-a", "ok-1", 0);
        await bed.AddPhaseAsync("run-a", "fail-1", 1, reason: "ImportError: old");
        await bed.AddPhaseAsync("run-b", "ok-2", 0);
        await bed.AddPhaseAsync("run-b", "fail-2", 1, reason: "KeyError: x");
        await using var host = await bed.StartHostAsync();

        var (output, _) = await TestBed.RunAsync(host, new DrainOrchestrationInput
        {
            Options = new DrainOptions { BatchSize = 10, PhaseTimeoutSeconds = 30 },
            GraceSeconds = 1,
        });
        tracing!.ForceFlush();

        var session = await bed.ReadSessionAsync(output.SessionId);
        Assert.Equal((4, 2), (session.Results.Count, session.State.TotalFailed));
        var mine = spans.Where(s => s.TraceId == TraceIds.Trace(output.SessionId)).ToList();
        Assert.Single(mine, s => s.OperationName == DrainTelemetry.Spans.Session);
        foreach (var result in session.Results)
        {
            var ofPhase = mine.Where(s => Equals(s.GetTagItem(A.AttemptId), result.AttemptId)).Select(s => s.OperationName).ToList();
            if (result.Success)
            {
                Assert.Empty(ofPhase);
            }
            else
            {
                Assert.Contains(DrainTelemetry.Spans.Phase, ofPhase);
                Assert.Contains(DrainTelemetry.Spans.Execute, ofPhase);
                Assert.Contains(DrainTelemetry.Spans.Save, ofPhase);
            }
        }
    }

    [Fact]
    public void Phases_RatioOneQuarter_KeepAboutAQuarterOfTheSuccessfulPhasesWholeAndEveryFailedOne()
    {
        var spans = new List<Activity>();
        using var tracing = DrainSpanSampler.Configure(Sdk.CreateTracerProviderBuilder().AddSource(DrainTelemetry.Name), 0.25).AddInMemoryExporter(spans).Build();
        var sessionId = "batch-drain-20260101-" + Guid.NewGuid().ToString("N")[..6];
        var state = new PolicyState();
        const int phases = 2000;

        for (var i = 0; i < phases; i++)
        {
            var success = i % 10 != 0;
            var attemptId = $"attempt-{i}";
            var settled = new SettlePhaseOutcomeOutput { Found = true, State = success ? "COMPLETE" : "FAILED" };
            using (var execute = DrainSpans.StartStep(DrainTelemetry.Spans.Execute, sessionId, attemptId))
            {
                DrainSpans.MarkSettled(execute, settled);
            }

            var result = new DrainResult { RunId = "run", PhaseId = $"p{i}", Success = success, FinalState = settled.State, AttemptId = attemptId, Timestamp = "2026-01-01T00:00:00+00:00", SubprocessDurationSeconds = 1 };
            using (DrainSpans.StartStep(DrainTelemetry.Spans.Save, sessionId, attemptId, DrainSpans.Outcome(result)))
            {
            }

            DrainSpans.RecordResult(sessionId, result, i, state);
        }

        tracing!.ForceFlush();
        var byAttempt = spans.Where(s => s.TraceId == TraceIds.Trace(sessionId)).GroupBy(s => (string)s.GetTagItem(A.AttemptId)!).ToDictionary(g => g.Key, g => g.Select(s => s.OperationName).Order(StringComparer.Ordinal).ToList());
        string[] whole = [DrainTelemetry.Spans.Execute, DrainTelemetry.Spans.Phase, DrainTelemetry.Spans.Save];
        var keptSuccesses = 0;
        for (var i = 0; i < phases; i++)
        {
            var kept = byAttempt.GetValueOrDefault($"attempt-{i}");
            if (i % 10 == 0)
            {
                Assert.Equal(whole, kept);
            }
            else if (kept is not null)
            {
                Assert.Equal(whole, kept);
                keptSuccesses++;
            }
        }

        // 1800 successful phases at 0.25: 450 expected; the hash of the attempt id decides, so the count is fixed.
        Assert.InRange(keptSuccesses, 380, 520);
    }

    [Fact]
    public async Task CaptureTelemetrySnapshot_WithSessionAndAttempt_WritesASnapshotStepUnderItsPhase()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(DrainTelemetry.Name).AddInMemoryExporter(spans).Build();
        await using var bed = await TestBed.CreateAsync();
        await using var services = bed.BuildServices();
        var sessionId = "batch-drain-20260101-" + Guid.NewGuid().ToString("N")[..6];

        await ActivatorUtilities.CreateInstance<CaptureTelemetrySnapshot>(services)
            .RunAsync(new NamedActivityContext(nameof(CaptureTelemetrySnapshot)), new TelemetrySnapshotInput(null) { SessionId = sessionId, AttemptId = "a1" });
        tracing!.ForceFlush();

        var snapshot = Assert.Single(spans, s => s.TraceId == TraceIds.Trace(sessionId));
        Assert.Equal(DrainTelemetry.Spans.Snapshot, snapshot.OperationName);
        Assert.Equal(TraceIds.PhaseSpan("a1"), snapshot.ParentSpanId);
    }
}
