using DrainFunctions.Data;

/// <summary>One phase of the demo backlog, drained as its plan says (or as a test fixes it).</summary>
internal static class DemoPhase
{
    public static async Task<int> RunAsync(string runId, string phaseId, string databaseUrl, double timeScale, string? outcome, string? reason, int telemetry)
    {
        var plan = outcome switch
        {
            "complete" => new DemoPlan(DemoPlanKind.Complete, 0, telemetry, null, 0),
            "fail" => new DemoPlan(DemoPlanKind.Fail, 0, telemetry, reason ?? "AssertionError: expected 3 tests to pass, got 1", 1),
            "hang" => new DemoPlan(DemoPlanKind.Hang, 0, 0, null, 0),
            _ => DemoPlan.For(runId, phaseId),
        };

        Console.WriteLine($"[demo] draining {runId}/{phaseId}: plan {plan.Kind}");
        var url = DatabaseUrl.Parse(databaseUrl);
        await Task.Delay(TimeSpan.FromSeconds(plan.Seconds * timeScale));
        if (plan.Kind == DemoPlanKind.Hang)
        {
            Console.WriteLine("[demo] builder waiting on a response that never comes...");
            await Task.Delay(Timeout.InfiniteTimeSpan);
        }

        if (plan.TelemetryRows > 0)
        {
            await DemoBacklog.AddTelemetryAsync(url, runId, phaseId, plan.TelemetryRows);
        }

        var succeeded = plan.Kind == DemoPlanKind.Complete;
        if (!await DemoBacklog.CompletePhaseAsync(url, runId, phaseId, succeeded, plan.Reason))
        {
            await Console.Error.WriteLineAsync($"phase not found: {runId}/{phaseId}");
            return 1;
        }

        if (succeeded)
        {
            Console.WriteLine($"[demo] phase COMPLETE (+{plan.TelemetryRows} telemetry events)");
            return 0;
        }

        await Console.Error.WriteLineAsync($"[demo] phase FAILED: {plan.Reason}");
        return plan.ExitCode;
    }
}
