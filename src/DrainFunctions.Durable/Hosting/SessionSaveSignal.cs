namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Pulsed when a session save starts in this process, and when a save has finished its session.
/// The orchestration writes its custom status (the new progress lines) before it schedules a save,
/// and completes a moment after the save that finished its session, so a watcher in the same
/// process (the <c>drain</c> command) looks at once instead of at its next quarter-second poll,
/// and polls closely once its session is finished: a line shows as its phase is recorded, and the
/// end of a drain is seen about 0.15 s sooner (issue 17).
/// </summary>
public sealed class SessionSaveSignal : PulseSignal
{
    private string? lastFinished;

    /// <summary>The session that a save in this process finished last, or null.</summary>
    public string? LastFinished => Volatile.Read(ref lastFinished);

    /// <summary>A save finished <paramref name="sessionId"/> (its drain completes next).</summary>
    public void Finished(string sessionId)
    {
        Volatile.Write(ref lastFinished, sessionId);
        Pulse();
    }
}
