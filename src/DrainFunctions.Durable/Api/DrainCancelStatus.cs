namespace DrainFunctions.Durable.Api;

public enum DrainCancelStatus
{
    /// <summary>The cancel event was raised on the session's live instance.</summary>
    Sent,

    /// <summary>The live instance was terminated, its unsettled attempts restored and the lock released (<c>mode=force</c>).</summary>
    Forced,
    NotFound,

    /// <summary>The session's newest instance has ended (<see cref="DrainCancel.RuntimeStatus"/>).</summary>
    NotRunning,
}
