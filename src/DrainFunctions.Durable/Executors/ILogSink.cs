namespace DrainFunctions.Durable.Executors;

/// <summary>What became of a write to a log.</summary>
public enum LogStoreResult
{
    Stored,

    /// <summary>Not now (unreachable, try later): the bytes wait in memory and are sent again.</summary>
    Unreachable,

    /// <summary>Refused for good: the bytes are dropped (counted and logged).</summary>
    Refused,
}

/// <summary>
/// Where one output stream of an attempt goes: an append blob on the drain's host, the server's
/// log route on an agent. Appends name their offset, so one sent again after a lost answer is stored once.
/// </summary>
public interface ILogSink
{
    string Name { get; }

    /// <summary>Starts the log (replacing one an earlier try of the attempt left empty).</summary>
    Task<(LogStoreResult Result, string? Why)> CreateAsync();

    /// <summary>Appends <paramref name="batch"/> (from its position 0) at <paramref name="offset"/>.</summary>
    Task<(LogStoreResult Result, string? Why)> AppendAsync(MemoryStream batch, long offset);
}

/// <summary>The logs of attempts: one <see cref="ILogSink"/> per stream.</summary>
public interface ILogSinks
{
    /// <summary>Before the first sink of an attempt (e.g. the container); never fails the attempt.</summary>
    Task PrepareAsync(string what);

    ILogSink Open(ExecutorRequest request, string blobName, string stream);
}
