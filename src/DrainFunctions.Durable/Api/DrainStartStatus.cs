namespace DrainFunctions.Durable.Api;

/// <summary>What became of a request to start or resume a drain.</summary>
public enum DrainStartStatus
{
    Started,

    /// <summary>A drain runs on the database in this task hub (<see cref="DrainStart.Running"/>).</summary>
    AlreadyRunning,

    /// <summary>A drain elsewhere (another process, task hub or machine) holds the database's lock (<see cref="DrainStart.Refusal"/>).</summary>
    Locked,

    /// <summary>No such session, or no incomplete session to resume (<see cref="DrainStart.Problem"/>).</summary>
    NotFound,

    /// <summary>The named session is complete; there is nothing to resume.</summary>
    AlreadyComplete,
}
