namespace DrainFunctions.Simulation;

/// <summary>The hidden nature of a simulated phase: how it behaves whenever it is drained.</summary>
public enum PhaseNature
{
    /// <summary>Fails now and then; every attempt succeeds with probability p.</summary>
    Transient,

    /// <summary>Fails every time with the same message (paths, numbers, timestamps vary).</summary>
    Deterministic,

    /// <summary>Never finishes: every attempt runs into the phase timeout.</summary>
    Hang,

    /// <summary>Succeeds, but takes long (around the v2 timeout).</summary>
    SlowSuccess,

    /// <summary>Succeeds within a few minutes.</summary>
    QuickSuccess,

    /// <summary>Built from observed sessions: replays what was seen.</summary>
    Observed,
}
