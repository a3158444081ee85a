namespace DrainFunctions.Core.Phases;

/// <summary>How an executor run ended, as the executor's side reports it.</summary>
public enum ExecutorRunEnd
{
    /// <summary>The executor exited within its time; its return code is known.</summary>
    Exited,

    /// <summary>The executor was killed at its deadline.</summary>
    TimedOut,

    /// <summary>The phase is not in the database; nothing ran.</summary>
    NotFound,

    /// <summary>The phase was no longer FAILED when it was to be re-queued; nothing ran.</summary>
    RequeueConflict,

    /// <summary>A lost call's attempt was found again and waited for; its return code is unknown.</summary>
    Adopted,

    /// <summary>Stopped from outside (cancel now, budget) through the attempt's stop signal.</summary>
    Stopped,
}
