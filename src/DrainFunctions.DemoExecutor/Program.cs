using System.CommandLine;
using System.Text;
using DrainFunctions.Data;
using DrainFunctions.Flags;

// A stand-in for Autopack's `scripts/drain_one_phase.py`: decides deterministically from the
// phase (FNV-1a of "run_id:phase_id") whether it completes, fails with a realistic reason, or
// hangs past any sensible timeout; writes the phase state and telemetry rows like the real one.
//   DrainFunctions.DemoExecutor --run-id R --phase-id P [--database-url URL] [--time-scale 0.01]
var runIdOption = Flag.Text("--run-id", "RUN", "the phase's run");
var phaseIdOption = Flag.Text("--phase-id", "PHASE", "the phase");
var databaseUrlOption = Flag.Text("--database-url", "URL", "the backlog (default: DATABASE_URL)");
var timeScaleOption = Flag.Number("--time-scale", "seconds per planned second (default 1; 0: no waiting)", inclusiveMinimum: true);
var forceOption = Flag.Switch("--force", "accepted, as Autopack's script accepts it");
var outcomeOption = Flag.Choice("--outcome", "for tests: a fixed outcome instead of the hashed plan", "plan", "complete", "fail", "hang");
var reasonOption = Flag.Text("--reason", "TEXT", "for tests: the failure reason with --outcome fail");
var telemetryOption = Flag.WholeNumber("--telemetry", "for tests: telemetry rows to write", 0);
var root = new RootCommand("A stand-in for Autopack's scripts/drain_one_phase.py, for the demo backlog")
{
    runIdOption, phaseIdOption, databaseUrlOption, timeScaleOption, forceOption, outcomeOption, reasonOption, telemetryOption,
};
root.SetAction(async (parsed, _) =>
{
    var databaseUrl = parsed.GetValue(databaseUrlOption) ?? Environment.GetEnvironmentVariable("DATABASE_URL");
    if (parsed.GetValue(runIdOption) is not { } runId || parsed.GetValue(phaseIdOption) is not { } phaseId || string.IsNullOrEmpty(databaseUrl))
    {
        FlagParsing.WriteUsageError(Console.Error, null, "the arguments --run-id and --phase-id are required, and DATABASE_URL or --database-url");
        return 2;
    }

    return await DemoPhase.RunAsync(runId, phaseId, databaseUrl, parsed.GetValue(timeScaleOption) ?? 1.0, parsed.GetValue(outcomeOption), parsed.GetValue(reasonOption), parsed.GetValue(telemetryOption) ?? 0);
});
CommandHelp.Install(root);
return await FlagParsing.RunAsync(root, args, Console.Out, Console.Error);

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
