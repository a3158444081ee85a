using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Core.Selection;

/// <summary>Where sample-first triage ranks an eligible candidate's run.</summary>
public enum TriageGroup
{
    /// <summary>No result of the run yet in this session: drained first, to sample it.</summary>
    Unsampled,

    /// <summary>Its sample was promising: drained once no run is left to sample.</summary>
    Promising,

    /// <summary>
    /// Sampled but neither promising nor deprioritized: only an imported or edited session file
    /// holds such a run (every sample here ends in one of the two). Ranked after the promising
    /// runs, the place the tool's own comment gives them; its code never drains them.
    /// </summary>
    Other,
}

/// <summary>
/// Sample-first triage, as the later Python tool ran it (there always, here with
/// <c>--sample-first</c>): one phase of every run first; the first result of a run decides whether
/// its other phases are worth draining; the phases of a deprioritized run are skipped for the rest
/// of the session, even when nothing else is left.
/// </summary>
public static class SampleTriage
{
    /// <summary>How much of the fingerprint the deprioritized line shows, in code points (the tool's <c>[:80]</c>).</summary>
    public const int FingerprintShown = 80;

    /// <summary>The skip reason of a deprioritized run's phases (the tool's own text).</summary>
    public static string SkipReason(string runId) => $"run {runId} deprioritized (sample-first triage)";

    public static string PromisingLine(string runId) => $"  [SAMPLE-OK] {runId}: Promising (continue draining)";

    public static string DeprioritizedLine(string runId, string reason) => $"  [SAMPLE-SKIP] {runId}: Deprioritized ({reason})";

    public static TriageGroup GroupOf(string runId, PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.SampledRuns.Contains(runId))
        {
            return TriageGroup.Unsampled;
        }

        return state.PromisingRuns.Contains(runId) ? TriageGroup.Promising : TriageGroup.Other;
    }

    /// <summary>
    /// Judges a run by its first result of the session and returns the line to print, or null
    /// when the run was sampled before. Must run before the result's fingerprint is counted: "a
    /// fingerprint seen before" means seen in an earlier result. Mutates <paramref name="state"/>.
    /// </summary>
    public static string? RecordSample(PolicyState state, DrainResult result)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(result);
        var run = result.RunId;
        if (state.SampledRuns.Contains(run))
        {
            return null;
        }

        state.SampledRuns.Add(run);

        // A success, any telemetry, or a timeout (it may only need more time) is promising; so is a
        // failure met for the first time, or one without a fingerprint (it may be transient).
        var repeating = !result.Success
            && result.TelemetryEventsCollected is not > 0
            && !result.IsTimeout
            && result.FailureFingerprint is { } fingerprint
            && state.FingerprintCounts.GetValueOrDefault(fingerprint) >= 1;
        if (!repeating)
        {
            AddOnce(state.PromisingRuns, run);
            return PromisingLine(run);
        }

        AddOnce(state.DeprioritizedRuns, run);
        var shown = PythonText.TakeCodePoints(result.FailureFingerprint!, FingerprintShown);
        return DeprioritizedLine(run, $"repeating fingerprint: {shown}...");
    }

    /// <summary>
    /// A dry-run pick: nothing runs, so, as in the tool (whose dry run records a successful result),
    /// it counts as a promising sample of its run. Returns the line to print, or null.
    /// </summary>
    public static string? RecordDryRunPick(PolicyState state, PhaseCandidate phase)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(phase);
        if (state.SampledRuns.Contains(phase.RunId))
        {
            return null;
        }

        state.SampledRuns.Add(phase.RunId);
        AddOnce(state.PromisingRuns, phase.RunId);
        return PromisingLine(phase.RunId);
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }
}
