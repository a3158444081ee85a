namespace DrainFunctions.Cli.Agent;

/// <summary>How a call to the server ended, as far as the agent must act on it.</summary>
public enum AgentCallOutcome
{
    Accepted,

    /// <summary>No answer, or "try later" (5xx, 408, 429): worth trying again.</summary>
    Unreachable,

    /// <summary>409: the attempt was decided without this agent; stop what runs it, drop what is left.</summary>
    Refused,

    /// <summary>Any other 4xx (a wrong key, a bad request): trying again will not help.</summary>
    Rejected,
}
