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

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Phase {RunId}/{PhaseId} could not be re-queued: {Status} (state {State})")]
    public static partial void RequeueRefused(ILogger logger, string runId, string phaseId, string status, string? state);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Checking the stop marker of attempt {AttemptId} failed: {Message}")]
    public static partial void StopPollFailed(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Attempt {AttemptId}: processes {Pids} survived SIGKILL")]
    public static partial void ProcessesSurvived(ILogger logger, string attemptId, string pids);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Attempt {AttemptId}: {Count} processes killed ({Mode})")]
    public static partial void ProcessesKilled(ILogger logger, string attemptId, int count, string mode);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug, Message = "Cgroup {Cgroup} not removed: {Message}")]
    public static partial void CgroupNotRemoved(ILogger logger, string cgroup, string message);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Killing the processes of cgroup {Cgroup} failed: {Message}")]
    public static partial void CgroupKillFailed(ILogger logger, string cgroup, string message);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Executor processes are tracked by their DRAIN_ATTEMPT_ID tag, not by a cgroup: {Why}")]
    public static partial void ContainmentFallback(ILogger logger, string why);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Attempt {AttemptId} for {RunId}/{PhaseId} was delivered again: adopting it ({Count} processes running, stage {Stage}); the executor is not started twice")]
    public static partial void AttemptAdopted(ILogger logger, string attemptId, string runId, string phaseId, int count, string stage);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Information, Message = "Attempt {AttemptId} was delivered again while it runs in this process: waiting for the running call")]
    public static partial void AttemptJoined(ILogger logger, string attemptId);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "Updating the marker of attempt {AttemptId} failed (the attempt goes on): {Message}")]
    public static partial void AttemptMarkerUpdateFailed(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Warning, Message = "Attempt {AttemptId} ran on {Machine}, not here: waiting until its deadline {Deadline:O} before settling it")]
    public static partial void AttemptElsewhere(ILogger logger, string attemptId, string machine, DateTimeOffset deadline);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "Executor output for {Blob} not stored: {Bytes} bytes dropped after storage stayed unreachable ({Message})")]
    public static partial void LogDropped(ILogger logger, string blob, long bytes, string message);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Information, Message = "Phase {RunId}/{PhaseId} settled: state {State}, restored by the drain: {Restored}")]
    public static partial void PhaseSettled(ILogger logger, string runId, string phaseId, string state, bool restored);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Restoring the phase of attempt {AttemptId} after it was killed at its deadline failed (the orchestrator settles it again): {Message}")]
    public static partial void SettleDeferred(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Looking at the progress of attempt {AttemptId} failed (its deadline stays): {Message}")]
    public static partial void ProgressCheckFailed(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "Attempt {AttemptId}: its deadline moved to {Deadline:O}; the executor goes on")]
    public static partial void DeadlineMoved(ILogger logger, string attemptId, DateTimeOffset deadline);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "Recording attempt {AttemptId} with its executor call failed (the orchestrator records it): {Message}")]
    public static partial void RecordDeferred(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4024, Level = LogLevel.Information, Message = "Attempt {AttemptId} recorded; the next one, {NextAttemptId} of {RunId}/{PhaseId}, starts here before the orchestration asks for it")]
    public static partial void NextStarted(ILogger logger, string attemptId, string nextAttemptId, string runId, string phaseId);

    [LoggerMessage(EventId = 4025, Level = LogLevel.Warning, Message = "Attempt {AttemptId} recorded; the next one is left to the orchestration: {Message}")]
    public static partial void NextDeferred(ILogger logger, string attemptId, string message);

    [LoggerMessage(EventId = 4026, Level = LogLevel.Information, Message = "Attempt {AttemptId} delivered again: its kept answer is given again (it started attempt {NextAttemptId})")]
    public static partial void AnswerRepeated(ILogger logger, string attemptId, string? nextAttemptId);
}
