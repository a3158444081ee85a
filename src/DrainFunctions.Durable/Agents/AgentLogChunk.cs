namespace DrainFunctions.Durable.Agents;

/// <summary>
/// <c>POST /api/agents/work/{session}/{attempt}/log</c>: bytes of a stream at <see cref="Offset"/>;
/// a chunk sent again (its answer was lost) is recognized by its offset and stored once.
/// </summary>
public sealed record AgentLogChunk
{
    public const int MaxBytes = 32 * 1024;

    public string Agent { get; init; } = string.Empty;

    /// <summary><c>stdout</c> or <c>stderr</c>.</summary>
    public string Stream { get; init; } = string.Empty;

    public long Offset { get; init; }

    /// <summary>Base64, at most <see cref="MaxBytes"/> bytes once decoded.</summary>
    public string Data { get; init; } = string.Empty;
}
