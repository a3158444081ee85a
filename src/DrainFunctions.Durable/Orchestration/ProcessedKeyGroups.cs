using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// Processed keys (<c>run_id:phase_id</c>) grouped by the part before the first colon, so that a
/// run id is not repeated for each of its phases: a 1,000-phase session's keys shrink from ~50 KB
/// to ~30 KB of JSON. Lossless whatever the ids contain: a key is always prefix + ":" + rest.
/// </summary>
public static class ProcessedKeyGroups
{
    public static Dictionary<string, List<string>> Group(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            var (prefix, rest) = colon < 0 ? (key, (string?)null) : (key[..colon], key[(colon + 1)..]);
            if (!groups.TryGetValue(prefix, out var list))
            {
                groups[prefix] = list = [];
            }

            // A key without a colon cannot come from PhaseKey.Of; kept anyway as an empty-named entry.
            list.Add(rest ?? "\0" + key);
        }

        return groups;
    }

    public static IEnumerable<string> Expand(Dictionary<string, List<string>>? groups)
    {
        if (groups is null)
        {
            yield break;
        }

        foreach (var (prefix, rests) in groups)
        {
            foreach (var rest in rests)
            {
                yield return rest.StartsWith('\0') ? rest[1..] : prefix + ":" + rest;
            }
        }
    }

    /// <summary>A copy of <paramref name="state"/> without its processed keys.</summary>
    public static PolicyState WithoutKeys(PolicyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var copy = state.Clone();
        copy.ProcessedKeys.Clear();
        return copy;
    }
}
