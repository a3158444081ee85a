using System.Globalization;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Simulation;

/// <summary>The hidden nature of a simulated phase: how it behaves whenever it is drained.</summary>
public enum PhaseNature
{
    /// <summary>Fails now and then; every attempt succeeds with probability p.</summary>
    Transient,

    /// <summary>Fails every time with the same message (paths, numbers, timestamps vary).</summary>
    Deterministic,

    /// <summary>Never finishes: every attempt runs into the phase timeout.</summary>
    Hang,

    /// <summary>Succeeds, but takes long (around the v2 timeout).</summary>
    SlowSuccess,

    /// <summary>Succeeds within a few minutes.</summary>
    QuickSuccess,

    /// <summary>Built from observed sessions: replays what was seen.</summary>
    Observed,
}

/// <summary>What one attempt of a phase does, before any timeout or budget cuts it.</summary>
/// <param name="Hang">Never finishes (duration is infinite).</param>
/// <param name="Success">Ends COMPLETE (else FAILED with <paramref name="FailureMessage"/>).</param>
/// <param name="DurationSeconds">How long it runs to its end.</param>
/// <param name="Telemetry">Telemetry events over the whole run; a cut attempt yields its share.</param>
/// <param name="FailureMessage">Autopack's last_failure_reason after a failure.</param>
public sealed record AttemptBehaviour(bool Hang, bool Success, double DurationSeconds, long Telemetry, string? FailureMessage)
{
    /// <summary>Events collected when the attempt is cut after <paramref name="seconds"/>.</summary>
    public long PartialTelemetry(double seconds) =>
        Hang || DurationSeconds <= 0 ? 0 : (long)Math.Floor(Telemetry * Math.Min(1.0, seconds / DurationSeconds));
}

/// <summary>A phase of the model: its candidate row plus how it behaves on each attempt.</summary>
public sealed class ModelPhase
{
    public required string RunId { get; init; }

    public required string PhaseId { get; init; }

    public required int PhaseIndex { get; init; }

    public required PhaseNature Nature { get; init; }

    /// <summary>last_failure_reason before the first simulated attempt.</summary>
    public string? InitialFailureReason { get; init; }

    /// <summary>Seed of this phase's own random stream (attempt n draws from it and n only).</summary>
    public ulong StreamSeed { get; init; }

    /// <summary>Run-wide failure mode for deterministic phases (kind and symbol).</summary>
    public FailureMode? Mode { get; init; }

    /// <summary>For <see cref="PhaseNature.Observed"/>: the attempts seen, replayed in a cycle.</summary>
    public IReadOnlyList<AttemptBehaviour> Observations { get; init; } = [];

    public string Key => PhaseKey.Of(RunId, PhaseId);
}

/// <summary>The failure kinds that a run shares (each maps to one selection category).</summary>
public enum FailureKind
{
    Import,
    Collection,
    Deliverable,
    Patch,
    Schema,
}

/// <summary>A run's failure mode: one kind and one symbol; messages vary only in paths, numbers, times.</summary>
public sealed record FailureMode(FailureKind Kind, string Symbol, int RunNumber)
{
    public string Message(Random random, DateTimeOffset at)
    {
        var ts = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var attemptDir = random.Next(1, 999);
        var line = random.Next(10, 900);
        return Kind switch
        {
            FailureKind.Import => string.Create(CultureInfo.InvariantCulture, $"ImportError at line {line}: cannot import '{Symbol}' from /app/run-{attemptDir}/{Symbol}_mod.py at {ts}"),
            FailureKind.Collection => string.Create(CultureInfo.InvariantCulture, $"CI collection error: {random.Next(1, 40)} errors during collection of /work/ws-{attemptDir}/tests/test_{Symbol}.py at {ts}"),
            FailureKind.Deliverable => string.Create(CultureInfo.InvariantCulture, $"Deliverable missing: expected /app/out-{attemptDir}/{Symbol}.md after {random.Next(3, 30)} builder turns at {ts}"),
            FailureKind.Patch => string.Create(CultureInfo.InvariantCulture, $"Patch failed to apply: hunk {random.Next(1, 12)} rejected at /src/{Symbol}/core.py:{line} ({ts})"),
            _ => string.Create(CultureInfo.InvariantCulture, $"SchemaValidationError: field '{Symbol}' invalid in /app/cfg-{attemptDir}/plan.json:{line} at {ts}"),
        };
    }
}

/// <summary>The shares of each nature among generated phases, and the retry success probability.</summary>
public sealed record NatureShares
{
    public double Transient { get; init; } = 0.20;

    public double Deterministic { get; init; } = 0.30;

    public double Hang { get; init; } = 0.10;

    public double SlowSuccess { get; init; } = 0.15;

    public double QuickSuccess { get; init; } = 0.25;

    /// <summary>Probability that an attempt of a transient phase succeeds.</summary>
    public double TransientSuccessProbability { get; init; } = 0.5;

    public double Total => Transient + Deterministic + Hang + SlowSuccess + QuickSuccess;
}

/// <summary>A backlog to simulate: its phases and where it came from.</summary>
public sealed class BacklogModel
{
    public required IReadOnlyList<ModelPhase> Phases { get; init; }

    /// <summary>Where the model came from (<c>generated seed=42 ...</c> or the session files).</summary>
    public required string Source { get; init; }

    public int Seed { get; init; }

    public NatureShares Shares { get; init; } = new();

    public IReadOnlyDictionary<PhaseNature, int> NatureCounts =>
        Phases.GroupBy(p => p.Nature).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// What attempt <paramref name="attempt"/> (0-based) of <paramref name="phase"/> does when it
    /// starts at <paramref name="at"/>. Depends only on the phase, the attempt number and the
    /// time, so that every policy meets the same phase behaving the same way.
    /// </summary>
    public AttemptBehaviour Attempt(ModelPhase phase, int attempt, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(phase);
        if (phase.Nature == PhaseNature.Observed)
        {
            return phase.Observations.Count == 0
                ? new AttemptBehaviour(false, true, 60, 0, null)
                : phase.Observations[attempt % phase.Observations.Count];
        }

        var random = new Random(SeedMix.ToInt(SeedMix.Mix(phase.StreamSeed, (ulong)attempt + 1)));
        switch (phase.Nature)
        {
            case PhaseNature.QuickSuccess:
                return new AttemptBehaviour(false, true, Minutes(random, 2, 8), random.Next(3, 16), null);
            case PhaseNature.SlowSuccess:
                return new AttemptBehaviour(false, true, Minutes(random, 12, 28), random.Next(10, 41), null);
            case PhaseNature.Hang:
                return new AttemptBehaviour(true, false, double.PositiveInfinity, 0, null);
            case PhaseNature.Deterministic:
                return new AttemptBehaviour(false, false, Minutes(random, 1, 5), 0, (phase.Mode ?? throw new InvalidOperationException($"deterministic phase {phase.Key} has no failure mode")).Message(random, at));
            default:
                var success = random.NextDouble() < Shares.TransientSuccessProbability;
                var duration = Minutes(random, 3, 12);
                if (success)
                {
                    return new AttemptBehaviour(false, true, duration, random.Next(2, 11), null);
                }

                var telemetry = random.NextDouble() < 0.3 ? random.Next(1, 4) : 0;
                return new AttemptBehaviour(false, false, duration, telemetry, TransientMessage(random, at));
        }
    }

    internal static string TransientMessage(Random random, DateTimeOffset at)
    {
        var ts = at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return random.Next(3) switch
        {
            0 => string.Create(CultureInfo.InvariantCulture, $"Builder API error 529 (overloaded) at {ts}"),
            1 => string.Create(CultureInfo.InvariantCulture, $"Connection reset by peer after {random.Next(5, 300)}s talking to 10.0.{random.Next(0, 255)}.{random.Next(1, 255)}"),
            _ => "TOKEN_ESCALATION: builder exceeded its token budget",
        };
    }

    private static double Minutes(Random random, double low, double high) =>
        Math.Round((low + (random.NextDouble() * (high - low))) * 60, 1);
}

/// <summary>SplitMix64: stable seeds for per-phase streams (never HashCode, which varies per process).</summary>
public static class SeedMix
{
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a + (0x9E3779B97F4A7C15UL * (b + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static int ToInt(ulong value) => (int)(value & 0x7FFFFFFF);
}
