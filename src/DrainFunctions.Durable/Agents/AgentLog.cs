using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Attempt {AttemptId} ({RunId}/{PhaseId}) queued for the agents")]
    public static partial void Queued(ILogger logger, string attemptId, string runId, string phaseId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Attempt {AttemptId} ({RunId}/{PhaseId}) claimed by agent {Agent}, deadline {Deadline:O}")]
    public static partial void Claimed(ILogger logger, string attemptId, string runId, string phaseId, string agent, DateTimeOffset deadline);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Attempt {AttemptId} reported by agent {Agent}: {Status}")]
    public static partial void Reported(ILogger logger, string attemptId, string agent, Orchestration.PhaseRunStatus status);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Agent {Agent} was refused for attempt {AttemptId}: it is {State}")]
    public static partial void Refused(ILogger logger, string agent, string attemptId, string state);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Attempt {AttemptId} is lost: {Description}")]
    public static partial void Lost(ILogger logger, string attemptId, string description);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Telling the drain {InstanceId} about attempt {AttemptId} failed (its next check finds it): {Message}")]
    public static partial void RaiseFailed(ILogger logger, string instanceId, string attemptId, string message);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Claim of a queued attempt failed (the message comes back): {Message}")]
    public static partial void ClaimFailed(ILogger logger, string message);
}
