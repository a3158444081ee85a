using System.Globalization;
using System.Text;
using DrainFunctions.Data;

// A stand-in for Autopack's `scripts/drain_one_phase.py`: decides deterministically from the
// phase (FNV-1a of "run_id:phase_id") whether it completes, fails with a realistic reason, or
// hangs past any sensible timeout; writes the phase state and telemetry rows like the real one.
//   DrainFunctions.DemoExecutor --run-id R --phase-id P [--database-url URL] [--time-scale 0.01]
string? runId = null, phaseId = null, databaseUrl = Environment.GetEnvironmentVariable("DATABASE_URL");
var timeScale = 1.0;
string? outcome = null, reason = null;
var telemetry = 0;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--run-id": runId = value; i++; break;
        case "--phase-id": phaseId = value; i++; break;
        case "--database-url": databaseUrl = value; i++; break;
        case "--time-scale": timeScale = double.Parse(value ?? "1", CultureInfo.InvariantCulture); i++; break;
        case "--force": break;
        // Overrides for tests: a fixed outcome instead of the hashed plan.
        case "--outcome": outcome = value; i++; break;
        case "--reason": reason = value; i++; break;
        case "--telemetry": telemetry = int.Parse(value ?? "0", CultureInfo.InvariantCulture); i++; break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument: {args[i]}");
            return 2;
    }
}

if (runId is null || phaseId is null || string.IsNullOrEmpty(databaseUrl))
{
    await Console.Error.WriteLineAsync("usage: --run-id R --phase-id P (DATABASE_URL or --database-url required)");
    return 2;
}

var plan = outcome switch
{
    null or "plan" => DemoPlan.For(runId, phaseId),
    "complete" => new DemoPlan(DemoPlanKind.Complete, 0, telemetry, null, 0),
    "fail" => new DemoPlan(DemoPlanKind.Fail, 0, telemetry, reason ?? "AssertionError: expected 3 tests to pass, got 1", 1),
    "hang" => new DemoPlan(DemoPlanKind.Hang, 0, 0, null, 0),
    _ => null,
};
if (plan is null)
{
    await Console.Error.WriteLineAsync($"unknown --outcome {outcome} (plan, complete, fail, hang)");
    return 2;
}

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

internal enum DemoPlanKind
{
    Complete,
    Fail,
    Hang,
}

internal sealed record DemoPlan(DemoPlanKind Kind, double Seconds, int TelemetryRows, string? Reason, int ExitCode)
{
    private static readonly string[] Reasons =
    [
        "CI collection/import error",
        "ImportError: cannot import name 'TokenBudget' from 'autopack.budget' (/app/src/autopack/budget.py)",
        "Missing deliverable: docs/guide.md",
        "patch apply failed: no-op patch",
        "AssertionError: expected 3 tests to pass, got 1",
        "TOKEN_ESCALATION: budget exceeded at 2025-12-28 16:22:03",
    ];

    public static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }

    public static DemoPlan For(string runId, string phaseId)
    {
        var h = Fnv1a(runId + ":" + phaseId);
        var roll = h % 100;
        var seconds = 5 + (h / 100 % 20);
        if (roll < 40)
        {
            return new DemoPlan(DemoPlanKind.Complete, seconds, (int)(h / 7 % 4), null, 0);
        }

        if (roll < 88)
        {
            return new DemoPlan(DemoPlanKind.Fail, seconds, (int)(h / 11 % 2), Reasons[h / 13 % (uint)Reasons.Length], 1);
        }

        return new DemoPlan(DemoPlanKind.Hang, seconds, 0, null, 0);
    }
}
