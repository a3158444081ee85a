using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// One drain as its session and its newest orchestration instance show it: what <c>drain status</c>,
/// <c>GET /api/drains/{id}</c> and the list of drains are made of.
/// </summary>
public sealed record DrainView
{
    public required string SessionId { get; init; }

    public string? InstanceId { get; init; }

    /// <summary>The HTTP API's <c>status</c>: the instance's runtime status, else <c>Completed</c> / <c>Incomplete</c> from the session.</summary>
    public required string Status { get; init; }

    /// <summary><see cref="DrainRules.StateOf"/>: running, completed, cancelled, failed, incomplete...</summary>
    public required string State { get; init; }

    public OrchestrationRuntimeStatus? RuntimeStatus { get; init; }

    /// <summary>The custom status the orchestration publishes (progress lines, current phase, stop).</summary>
    public DrainStatus? Progress { get; init; }

    public DrainTotals? Totals { get; init; }

    /// <summary>Why the instance failed, when it did.</summary>
    public string? Failure { get; init; }

    public DrainSession? Session { get; init; }

    /// <summary>The session document as stored (null: none).</summary>
    public string? SessionJson { get; init; }
}
