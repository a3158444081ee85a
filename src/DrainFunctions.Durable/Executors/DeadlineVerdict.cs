namespace DrainFunctions.Durable.Executors;

/// <summary>What became of a deadline an executor reached (<c>--extend-on-progress</c>).</summary>
public enum DeadlineVerdictKind
{
    /// <summary>The drain has not looked yet: wait a little for its look.</summary>
    Undecided,

    /// <summary>The drain moved it on to <see cref="DeadlineVerdict.Deadline"/>: run on.</summary>
    Moved,

    /// <summary>It stays: kill as always.</summary>
    Kept,
}

/// <summary>A deadline's verdict, and the deadline in force.</summary>
public sealed record DeadlineVerdict(DeadlineVerdictKind Kind, DateTimeOffset Deadline)
{
    public static DeadlineVerdict Kept(DateTimeOffset deadline) => new(DeadlineVerdictKind.Kept, deadline);
}
