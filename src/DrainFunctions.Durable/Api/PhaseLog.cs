namespace DrainFunctions.Durable.Api;

/// <summary>
/// A phase's captured output from given byte offsets: the text, the offsets to read from next
/// (a UTF-8 sequence cut by a read in progress waits for the next read), and whether the phase
/// still runs (its log may grow). <paramref name="Stored"/>: whether any of its output is stored
/// (a phase that has just started may have none yet).
/// </summary>
public sealed record PhaseLog(string Stdout, string Stderr, long StdoutNext, long StderrNext, bool Running, bool Stored);
