namespace DrainFunctions.Core.Selection;

/// <summary>Failure categories in the order the drain prefers them (lowest first).</summary>
public enum PhaseCategory
{
    Unknown = 0,
    Collection = 1,
    Deliverable = 2,
    Patch = 3,
    Other = 4,
    Timeout = 5,
}

public static class PhaseCategorizer
{
    // Checked in this order; the first match wins. Timeout comes before "other" in matching but
    // after it in priority: the enum values carry the priority.
    private static readonly (PhaseCategory Category, string[] Needles)[] Rules =
    [
        (PhaseCategory.Collection, ["collection", "import"]),
        (PhaseCategory.Deliverable, ["deliverable", "missing"]),
        (PhaseCategory.Patch, ["patch", "no-op", "manifest"]),
        (PhaseCategory.Timeout, ["timeout", "timed out"]),
    ];

    /// <summary>The keywords of each category, for stores that categorize in SQL.</summary>
    public static IReadOnlyList<(PhaseCategory Category, string[] Needles)> MatchRules => Rules;

    public static PhaseCategory Categorize(string? lastFailureReason)
    {
        // Python's truthiness: only null and "" are "unknown"; a blank reason is "other".
        if (string.IsNullOrEmpty(lastFailureReason))
        {
            return PhaseCategory.Unknown;
        }

        var reason = Fingerprints.PythonText.Lower(lastFailureReason);
        foreach (var (category, needles) in Rules)
        {
            foreach (var needle in needles)
            {
                if (reason.Contains(needle, StringComparison.Ordinal))
                {
                    return category;
                }
            }
        }

        return PhaseCategory.Other;
    }

    public static string Name(PhaseCategory category) => category.ToString().ToLowerInvariant();
}

/// <summary>
/// The policy's order: category, then lowest phase_index, then run_id, then phase_id (ordinal),
/// so that selection is deterministic where the Python tool left ties to the database.
/// </summary>
public sealed class PhaseOrder : IComparer<PhaseCandidate>
{
    public static readonly PhaseOrder Instance = new(byCategory: true);

    /// <summary>The v1 order (no timeout deprioritization): phase_index, run_id, phase_id, whatever the category.</summary>
    public static readonly PhaseOrder IgnoringCategory = new(byCategory: false);

    private readonly bool byCategory;

    private PhaseOrder(bool byCategory) => this.byCategory = byCategory;

    public int Compare(PhaseCandidate? x, PhaseCandidate? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var category = byCategory ? x.Category.CompareTo(y.Category) : 0;
        if (category != 0)
        {
            return category;
        }

        var byIndex = x.PhaseIndex.CompareTo(y.PhaseIndex);
        if (byIndex != 0)
        {
            return byIndex;
        }

        var byRun = CompareCodePoints(x.RunId, y.RunId);
        return byRun != 0 ? byRun : CompareCodePoints(x.PhaseId, y.PhaseId);
    }

    /// <summary>
    /// Code-point order, which equals the byte order of UTF-8 that PostgreSQL's "C" collation and
    /// SQLite's BINARY collation use (UTF-16 ordinal order differs above U+D7FF).
    /// </summary>
    public static int CompareCodePoints(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft.CompareTo(hasRight);
            }

            var byValue = left.Current.Value.CompareTo(right.Current.Value);
            if (byValue != 0)
            {
                return byValue;
            }
        }
    }
}
