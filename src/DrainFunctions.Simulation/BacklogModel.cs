using System.Globalization;

namespace DrainFunctions.Simulation;

/// <summary>A backlog to simulate: its phases and where it came from.</summary>
public sealed class BacklogModel
{
    /// <summary>
    /// Output of a running phase, per second: a builder's log of about 3 KB a minute. One rate for
    /// every nature that runs (silent hangs write nothing); only whether output grows matters to
    /// <c>--extend-on-progress</c>, not how much.
    /// </summary>
    public const double RunningOutputBytesPerSecond = 50;

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
                ? new AttemptBehaviour(false, true, 60, 0, null) { OutputBytesPerSecond = RunningOutputBytesPerSecond }
                : phase.Observations[attempt % phase.Observations.Count];
        }

        var behaviour = Generated(phase, attempt, at);
        var silent = phase.Nature == PhaseNature.Hang && !IsNoisyHang(phase);
        return behaviour with { OutputBytesPerSecond = silent ? 0 : RunningOutputBytesPerSecond };
    }

    /// <summary>
    /// Whether a generated hang keeps printing output (a builder looping, retrying, logging)
    /// instead of going silent: drawn once per phase from its own stream, with chance
    /// <see cref="NatureShares.NoisyHang"/>, so that it does not move any other draw.
    /// </summary>
    public bool IsNoisyHang(ModelPhase phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        const ulong noisyStream = 0x4E4F495359;
        return phase.Nature == PhaseNature.Hang
            && SeedMix.ToInt(SeedMix.Mix(phase.StreamSeed, noisyStream)) / (double)int.MaxValue < Shares.NoisyHang;
    }

    private AttemptBehaviour Generated(ModelPhase phase, int attempt, DateTimeOffset at)
    {
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
