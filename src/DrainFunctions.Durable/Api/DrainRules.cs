using System.Globalization;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The decisions every entry point (command line, HTTP API, timer) shares, as pure functions: what
/// counts as a running drain of the database, how a drain's state reads to a person, and how a
/// resumed session's instance is named.
/// </summary>
public static class DrainRules
{
    /// <summary>
    /// Statuses in which an orchestration may still do work: Pending and Running, and Suspended,
    /// which a resume brings back to the same database.
    /// </summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> LiveStatuses =
        [OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended];

    public static bool IsLive(OrchestrationRuntimeStatus status) => LiveStatuses.Contains(status);

    /// <summary>
    /// A live drain of the database: a <see cref="DrainOrchestrator"/> instance in a live status that
    /// is not a preview. A preview (dry run) touches nothing, so it never blocks a drain nor is it
    /// re-attached to as one; <paramref name="dryRun"/> is the instance's input (null: unreadable).
    /// </summary>
    public static bool IsLiveDrain(string? orchestrationName, string instanceId, OrchestrationRuntimeStatus status, bool? dryRun) =>
        orchestrationName == nameof(DrainOrchestrator)
        && IsLive(status)
        && !instanceId.StartsWith(DrainInstances.PreviewPrefix, StringComparison.Ordinal)
        && dryRun != true;

    /// <summary>
    /// A drain's state as <c>drain status</c> shows it: <c>running</c>, <c>pending</c>,
    /// <c>suspended</c>, <c>completed</c>, <c>cancelled</c>, <c>failed</c>, <c>terminated</c>, or
    /// <c>incomplete</c> (stopped with its session open: <c>drain --resume</c> continues it).
    /// <paramref name="runtime"/> is the newest instance's status (null: none is left),
    /// <paramref name="sessionComplete"/> whether the session has <c>completed_at</c> (null: no
    /// session document), <paramref name="stop"/> why it ended (<see cref="SessionStop"/> name).
    /// </summary>
    public static string StateOf(OrchestrationRuntimeStatus? runtime, bool? sessionComplete, string? stop)
    {
        switch (runtime)
        {
            case OrchestrationRuntimeStatus.Running:
                return "running";
            case OrchestrationRuntimeStatus.Pending:
                return "pending";
            case OrchestrationRuntimeStatus.Suspended:
                return "suspended";
            case OrchestrationRuntimeStatus.Failed:
                return "failed";
            case OrchestrationRuntimeStatus.Completed:
                return stop == nameof(SessionStop.Cancelled) ? "cancelled" : "completed";
            case OrchestrationRuntimeStatus.Terminated:
                // The watcher ends an orchestration whose completion was lost after its session finished.
                return sessionComplete == true ? "completed" : "terminated";
            default:
                return sessionComplete == true ? (stop == nameof(SessionStop.Cancelled) ? "cancelled" : "completed") : "incomplete";
        }
    }

    /// <summary>
    /// The instance id of a resumed session, <c>&lt;session-id&gt;-resume-&lt;yyyyMMddHHmmss&gt;</c>:
    /// the session's earlier instances may still exist in any state; the newest one with the prefix is its current one.
    /// </summary>
    public static string ResumeInstanceId(string sessionId, DateTimeOffset now) =>
        $"{sessionId}-resume-{now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";

    /// <summary>Whether <paramref name="instanceId"/> runs <paramref name="sessionId"/> (its first instance or a resumed one).</summary>
    public static bool RunsSession(string instanceId, string sessionId) =>
        instanceId == sessionId || instanceId.StartsWith(sessionId + "-resume-", StringComparison.Ordinal);
}
