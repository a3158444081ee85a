using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>Builds a backlog model from observed session files (ours or the Python tool's).</summary>
public static class SessionModelBuilder
{
    public static BacklogModel FromFiles(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var sessions = paths.Select(p => SessionJson.Parse(File.ReadAllText(p), p)).ToList();
        return FromSessions(sessions, "sessions: " + string.Join(", ", paths.Select(Path.GetFileName)));
    }

    /// <summary>
    /// Per phase, what was seen becomes its behaviour: a success succeeds in the observed time
    /// with the observed telemetry, a failure fails with the observed error, a timeout hangs
    /// (noisy when it had collected telemetry or been extended, else silent).
    /// Attempts replay the observations in order, then cycle. Interrupted attempts say nothing
    /// about the phase and are left out.
    /// </summary>
    public static BacklogModel FromSessions(IEnumerable<DrainSession> sessions, string source)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var byKey = new Dictionary<string, (DrainResult First, List<AttemptBehaviour> Seen)>(StringComparer.Ordinal);
        var order = new List<string>();
        var ordered = sessions.OrderBy(s => s.StartedAt, StringComparer.Ordinal).SelectMany(s => s.Results);
        foreach (var result in ordered)
        {
            if (result.InterruptedBy is not null || result.FinalState is "NOT_FOUND" or "INTERRUPTED" or "LOST")
            {
                continue;
            }

            if (!byKey.TryGetValue(result.Key, out var entry))
            {
                entry = (result, []);
                byKey[result.Key] = entry;
                order.Add(result.Key);
            }

            entry.Seen.Add(ToBehaviour(result));
        }

        var phases = order.Select(key =>
        {
            var (first, seen) = byKey[key];
            return new ModelPhase
            {
                RunId = first.RunId,
                PhaseId = first.PhaseId,
                PhaseIndex = first.PhaseIndex,
                Nature = PhaseNature.Observed,
                InitialFailureReason = InitialReason(first),
                Observations = seen,
            };
        }).ToList();
        return new BacklogModel { Phases = phases, Source = source };
    }

    private static AttemptBehaviour ToBehaviour(DrainResult r)
    {
        var telemetry = r.TelemetryEventsCollected is > 0 ? r.TelemetryEventsCollected.Value : 0;
        var duration = r.SubprocessDurationSeconds ?? 0;
        if (FailureFingerprint.IsTimeoutReturnCode(r.SubprocessReturncode) || r.FinalState == "TIMEOUT")
        {
            // Sessions do not record output. A timeout that had collected telemetry, or had been
            // extended for progress, was doing something: taken as a noisy hang (keeps writing,
            // never finishes within any limit), the pessimistic reading, since nothing says when
            // it would have ended. Otherwise: silent.
            var progressing = telemetry > 0 || r.Extensions is { Count: > 0 };
            return new AttemptBehaviour(true, false, double.PositiveInfinity, 0, r.ErrorMessage)
            {
                OutputBytesPerSecond = progressing ? BacklogModel.RunningOutputBytesPerSecond : 0,
            };
        }

        return new AttemptBehaviour(false, r.Success, duration, telemetry, r.Success ? null : r.ErrorMessage ?? "failed (no message observed)")
        {
            OutputBytesPerSecond = BacklogModel.RunningOutputBytesPerSecond,
        };
    }

    /// <summary>The reason the phase carried before it was drained: the first observed failure's error.</summary>
    private static string? InitialReason(DrainResult first) =>
        first.Success ? null : first.ErrorMessage;
}
