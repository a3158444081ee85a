using System.Collections.Immutable;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Simulation;

/// <summary>
/// The policy flags given to <c>drain simulate</c> (the options of <see cref="DrainOptionCatalog"/>
/// with the simulate surface), each overriding the preset's value; an option not given keeps it.
/// </summary>
public sealed record PolicyOverrides
{
    /// <summary>
    /// What reaches the v1 baseline: the backlog's scope (skipped prefixes), the batch size, the
    /// ledger window and the slots (how the drain runs, not what it picks), never its policy (it is
    /// what the others are measured against).
    /// </summary>
    public static readonly IReadOnlySet<DrainOptionSpec> BaselineScope = new HashSet<DrainOptionSpec>
    {
        DrainOptionCatalog.BatchSize, DrainOptionCatalog.SkipRunPrefixes, DrainOptionCatalog.LedgerWindowHours, DrainOptionCatalog.Parallel,
    };

    private ImmutableDictionary<DrainOptionSpec, object?> given = ImmutableDictionary<DrainOptionSpec, object?>.Empty;

    /// <summary>The options given, with their values (of each option's type).</summary>
    public IReadOnlyDictionary<DrainOptionSpec, object?> Given => given;

    /// <summary>The batch size given, or null.</summary>
    public int? BatchSize => given.TryGetValue(DrainOptionCatalog.BatchSize, out var size) ? (int?)size : null;

    /// <summary>These overrides and <paramref name="spec"/> set to <paramref name="value"/> (of its type).</summary>
    public PolicyOverrides With(DrainOptionSpec spec, object? value)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.IsOn(DrainOptionSurfaces.Simulate))
        {
            throw new ArgumentException($"--{spec.Name} is not a policy flag of drain simulate", nameof(spec));
        }

        return this with { given = given.SetItem(spec, value) };
    }

    /// <summary>The preset with the overrides applied; the v1 baseline takes only <see cref="BaselineScope"/>.</summary>
    public DrainOptions Apply(PolicyPreset preset, int defaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(preset);
        var options = preset.Options with { BatchSize = defaultBatchSize, SkipRunPrefixes = [] };
        foreach (var (spec, value) in given)
        {
            if (preset.Name != PolicyPreset.V1 || BaselineScope.Contains(spec))
            {
                options = spec.Set(options, value);
            }
        }

        return options;
    }
}
