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

/// <summary>Waiting for the drain's verdict about a deadline an executor reached.</summary>
public static class DeadlineVerdicts
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The deadline <paramref name="due"/> moved to, or null when it stays: asks
    /// <paramref name="read"/> until the drain decided, for at most <paramref name="patience"/>,
    /// then gives up (which keeps it, unless the drain moved it meanwhile).
    /// </summary>
    public static async Task<DateTimeOffset?> AwaitAsync(Func<DateTimeOffset, bool, CancellationToken, Task<DeadlineVerdict>> read, DateTimeOffset due, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        var giveUpAt = DateTimeOffset.UtcNow + patience;
        var verdict = await read(due, false, cancellationToken);
        while (verdict.Kind == DeadlineVerdictKind.Undecided)
        {
            var giveUp = DateTimeOffset.UtcNow >= giveUpAt;
            if (!giveUp)
            {
                await Task.Delay(Poll, cancellationToken);
            }

            verdict = await read(due, giveUp, cancellationToken);
            if (giveUp && verdict.Kind == DeadlineVerdictKind.Undecided)
            {
                return null;
            }
        }

        return verdict.Kind == DeadlineVerdictKind.Moved && verdict.Deadline > due ? verdict.Deadline : null;
    }
}
