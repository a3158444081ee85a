using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Hosting;

/// <summary>Source-generated log messages of the durable drain.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Executor started for {RunId}/{PhaseId}: pid {Pid} ({FileName})")]
    public static partial void ExecutorStarted(ILogger logger, string runId, string phaseId, int pid, string fileName);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Executor for {RunId}/{PhaseId} (pid {Pid}) killed with its process tree: {Why}")]
    public static partial void ExecutorKilled(ILogger logger, string runId, string phaseId, int pid, string why);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Appending executor output to its log blob failed: {Message}")]
    public static partial void LogFlushFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Attempt {AttemptId} for {RunId}/{PhaseId} was delivered again; the executor is not started twice (attempt lost, phase restored: {Restored})")]
    public static partial void AttemptLost(ILogger logger, string attemptId, string runId, string phaseId, bool restored);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Phase {RunId}/{PhaseId} restored to FAILED: {Restored} (process stopped: {Stopped})")]
    public static partial void PhaseRestored(ILogger logger, string runId, string phaseId, bool restored, bool stopped);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Session {SessionId}: {Line}")]
    public static partial void ProgressLine(ILogger logger, string sessionId, string line);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Phase {RunId}/{PhaseId} could not be re-queued: {Status} (state {State})")]
    public static partial void RequeueRefused(ILogger logger, string runId, string phaseId, string status, string? state);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Checking the stop marker of attempt {AttemptId} failed: {Message}")]
    public static partial void StopPollFailed(ILogger logger, string attemptId, string message);
}
