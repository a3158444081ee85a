using System.Globalization;

namespace DrainFunctions.Simulation;

/// <summary>Generates a backlog from a seed: the same seed and settings give the same backlog on any machine.</summary>
public static class BacklogGenerator
{
    /// <summary>Share of a broken run's phases that its failure mode hits.</summary>
    public const double BrokenRunHitRate = 0.8;

    private static readonly string[] Symbols =
    [
        "settings", "tokenizer", "schema_v2", "planner", "registry", "auth_client", "builder_ctx", "telemetry_db",
        "patch_engine", "orchestrator", "doc_index", "research_api", "migrations", "cache_layer", "ci_matrix", "runner",
    ];

    private static readonly string[] RunNames =
    [
        "research-system", "build", "schema-validation", "telemetry-collection", "docs-refresh", "api-hardening",
        "ci-repair", "token-estimation", "patch-pipeline", "ui-polish", "autopack-selfheal", "migration",
    ];

    public static BacklogModel Generate(int seed, int phases = 200, int runs = 12, NatureShares? shares = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phases, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        shares ??= new NatureShares();
        if (shares.Total <= 0)
        {
            throw new ArgumentException("the nature shares must add up to more than 0", nameof(shares));
        }

        var random = new Random(seed);
        var deterministicShare = shares.Deterministic / shares.Total;

        // Runs share failure modes: a "broken" run's mode hits most of its phases, so that the
        // expected deterministic share over the backlog is the configured one.
        var brokenRunShare = Math.Min(1.0, deterministicShare / BrokenRunHitRate);
        var hitRate = brokenRunShare >= 1.0 ? Math.Min(1.0, deterministicShare) : BrokenRunHitRate;
        // Exactly round(runs x share) broken runs, chosen at random, so that the share holds on small backlogs too.
        var order = Enumerable.Range(0, runs).ToArray();
        random.Shuffle(order);
        var broken = order.Take((int)Math.Round(runs * brokenRunShare, MidpointRounding.AwayFromZero)).ToHashSet();
        var runIds = new string[runs];
        var modes = new FailureMode?[runs];
        for (var r = 0; r < runs; r++)
        {
            runIds[r] = string.Create(CultureInfo.InvariantCulture, $"{RunNames[r % RunNames.Length]}-v{(r / RunNames.Length) + 1}{(char)('a' + (r % 26))}");
            var kind = (FailureKind)random.Next(Enum.GetValues<FailureKind>().Length);
            var symbol = Symbols[random.Next(Symbols.Length)] + "_" + r.ToString(CultureInfo.InvariantCulture);
            modes[r] = broken.Contains(r) ? new FailureMode(kind, symbol, r) : null;
        }

        // Spread phases over runs: every run gets at least one, the rest at random.
        var perRun = new int[runs];
        for (var i = 0; i < phases; i++)
        {
            perRun[i < runs * (phases / runs) ? i % runs : random.Next(runs)]++;
        }

        var start = new DateTimeOffset(2025, 12, 27, 0, 0, 0, TimeSpan.Zero);
        var list = new List<ModelPhase>(phases);
        for (var r = 0; r < runs; r++)
        {
            for (var index = 0; index < perRun[r]; index++)
            {
                PhaseNature nature;
                if (modes[r] is not null && random.NextDouble() < hitRate)
                {
                    nature = PhaseNature.Deterministic;
                }
                else
                {
                    nature = DrawNonDeterministic(random, shares);
                }

                var streamSeed = SeedMix.Mix((ulong)(uint)seed, (ulong)list.Count);
                var mode = nature == PhaseNature.Deterministic ? modes[r] : null;
                var reason = InitialReason(random, nature, mode, start.AddMinutes(random.Next(0, 1440)));
                list.Add(new ModelPhase
                {
                    RunId = runIds[r],
                    PhaseId = string.Create(CultureInfo.InvariantCulture, $"phase-{index:D2}"),
                    PhaseIndex = index,
                    Nature = nature,
                    InitialFailureReason = reason,
                    StreamSeed = streamSeed,
                    Mode = mode,
                });
            }
        }

        return new BacklogModel
        {
            Phases = list,
            Seed = seed,
            Shares = shares,
            Source = string.Create(CultureInfo.InvariantCulture, $"generated: seed={seed} phases={phases} runs={runs}"),
        };
    }

    private static PhaseNature DrawNonDeterministic(Random random, NatureShares s)
    {
        var total = s.Transient + s.Hang + s.SlowSuccess + s.QuickSuccess;
        if (total <= 0)
        {
            // Only deterministic failures configured, but this run is not broken: fail anyway.
            random.NextDouble();
            return PhaseNature.Transient;
        }

        var x = random.NextDouble() * total;
        if ((x -= s.Transient) < 0)
        {
            return PhaseNature.Transient;
        }

        if ((x -= s.Hang) < 0)
        {
            return PhaseNature.Hang;
        }

        return x - s.SlowSuccess < 0 ? PhaseNature.SlowSuccess : PhaseNature.QuickSuccess;
    }

    /// <summary>The last_failure_reason left by earlier (pre-simulation) attempts, consistent with the nature.</summary>
    private static string? InitialReason(Random random, PhaseNature nature, FailureMode? mode, DateTimeOffset at)
    {
        var roll = random.NextDouble();
        return nature switch
        {
            PhaseNature.Hang => roll < 0.5 ? "Phase execution timed out after 1800 seconds" : "Executor timed out waiting for builder response",
            PhaseNature.Deterministic => (mode ?? throw new ArgumentNullException(nameof(mode), "a deterministic phase has a failure mode")).Message(random, at),
            PhaseNature.SlowSuccess => roll < 0.5 ? "Phase execution timed out after 900 seconds" : null,
            PhaseNature.Transient => roll < 0.4 ? null : BacklogModel.TransientMessage(random, at),
            _ => roll < 0.6 ? null : "Executor crashed: exit 137 (killed)",
        };
    }
}
