namespace DrainFunctions.Durable.Api;

public enum DrainCancelStatus
{
    /// <summary>The cancel event was raised on the session's live instance.</summary>
    Sent,
    NotFound,

    /// <summary>The session's newest instance has ended (<see cref="DrainCancel.RuntimeStatus"/>).</summary>
    NotRunning,
}
