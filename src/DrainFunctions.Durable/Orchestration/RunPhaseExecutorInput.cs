using DrainFunctions.Core.Selection;

namespace DrainFunctions.Durable.Orchestration;

public sealed record RunPhaseExecutorInput
{
    public required string SessionId { get; init; }

    public required string AttemptId { get; init; }

    public required PhaseCandidate Phase { get; init; }

    /// <summary>Absolute instant at which the activity kills the executor itself.</summary>
    public required DateTimeOffset Deadline { get; init; }

    public int TimeoutSeconds { get; init; }

    /// <summary>
    /// The drain may move the deadline on (<c>--extend-on-progress</c>): when it comes, the attempt's
    /// marker is read for a later one before anything is killed.
    /// </summary>
    public bool MayExtend { get; init; }

    public string? ApiUrl { get; init; }

    /// <summary>The slot that runs the phase (1-based; <c>{slot}</c>).</summary>
    public int Slot { get; init; } = 1;

    /// <summary>The slot's working directory (<c>{workspace}</c>); null: the executor's own.</summary>
    public string? Workspace { get; init; }

    /// <summary>
    /// When the orchestrator's phase timer fires (deadline + grace). An executor that exits on its own
    /// early enough to be settled before it is settled by this call, and the telemetry counted, saving
    /// the orchestrator two round trips; null: never (the orchestrator settles).
    /// </summary>
    public DateTimeOffset? SettleBy { get; init; }

    /// <summary>The run whose telemetry rows the phase is credited with (null: every row).</summary>
    public string? TelemetryRunId { get; init; }

    /// <summary>
    /// A sequential drain's record of the attempt, made by the call when it settles inline
    /// (<see cref="InlineRecordPlan"/>); null: the orchestration records it.
    /// </summary>
    public InlineRecordPlan? Record { get; init; }

    /// <summary>
    /// The call for an attempt of <paramref name="phase"/> in <paramref name="slot"/> that runs to
    /// <paramref name="deadline"/>, settled by the call itself until the phase timer (deadline +
    /// <paramref name="grace"/>): made by the orchestration, and by the starter that starts a drain's
    /// first attempt.
    /// </summary>
    public static RunPhaseExecutorInput For(string sessionId, string attemptId, PhaseCandidate phase, DateTimeOffset deadline, TimeSpan grace, int timeoutSeconds, bool mayExtend, string? telemetryRunId, Core.Options.DrainSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return new RunPhaseExecutorInput
        {
            SessionId = sessionId,
            AttemptId = attemptId,
            Phase = phase,
            Deadline = deadline,
            TimeoutSeconds = timeoutSeconds,
            MayExtend = mayExtend,
            SettleBy = deadline + grace,
            TelemetryRunId = telemetryRunId,
            ApiUrl = slot.ApiUrl,
            Slot = slot.Number,
            Workspace = slot.Workspace,
        };
    }
}
