using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The answer of <see cref="DrainService"/> to a start, a resume or the choice of the session to
/// resume: the drain started (its session and instance), or why not.
/// </summary>
public sealed record DrainStart(DrainStartStatus Status, string? SessionId = null, string? InstanceId = null)
{
    public bool Started => Status == DrainStartStatus.Started;

    /// <summary>The drain already running (<see cref="DrainStartStatus.AlreadyRunning"/>).</summary>
    public LiveDrain? Running { get; init; }

    /// <summary>Who holds the database's lock (<see cref="DrainStartStatus.Locked"/>).</summary>
    public DrainLaunch? Refusal { get; init; }

    /// <summary>The session to resume, or the complete one (<see cref="DrainStartStatus.AlreadyComplete"/>).</summary>
    public DrainSession? Session { get; init; }

    /// <summary>Why nothing was found (<see cref="DrainStartStatus.NotFound"/>).</summary>
    public string? Problem { get; init; }
}
