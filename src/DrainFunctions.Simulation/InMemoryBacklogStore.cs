using System.Runtime.CompilerServices;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Simulation;

/// <summary>
/// Core's <see cref="IBacklogStore"/> over an in-memory list of phase rows, so that the same
/// backlog can be drained by the simulator and by the real durable drain. Candidates stream in
/// the policy's order (<see cref="PhaseOrder"/>) or, for the v1 baseline, in plain
/// phase_index/run/phase order with no timeout deprioritization.
/// </summary>
public sealed class InMemoryBacklogStore : IBacklogStore
{
    private readonly List<Row> rows = [];
    private readonly Dictionary<string, Row> byKey = new(StringComparer.Ordinal);

    public InMemoryBacklogStore(IEnumerable<PhaseRecord> phases, IComparer<PhaseCandidate>? order = null)
    {
        ArgumentNullException.ThrowIfNull(phases);
        Order = order ?? PhaseOrder.Instance;
        foreach (var phase in phases)
        {
            var row = new Row(phase.RunId, phase.PhaseId, phase.PhaseIndex) { State = phase.State, Reason = phase.LastFailureReason };
            rows.Add(row);
            byKey[PhaseKey.Of(phase.RunId, phase.PhaseId)] = row;
        }
    }

    public IComparer<PhaseCandidate> Order { get; }

    public string DisplayName => "memory://simulated-backlog";

    /// <summary>Telemetry rows written so far (the simulator adds to it while phases run).</summary>
    public long TelemetryRows { get; set; }

    public Task<BacklogSummary> DescribeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new BacklogSummary(
            DisplayName,
            rows.Select(r => r.RunId).Distinct(StringComparer.Ordinal).LongCount(),
            rows.Count,
            rows.LongCount(r => r.State == PhaseStates.Failed),
            rows.LongCount(r => PhaseStates.IsInFlight(r.State))));

    /// <summary>The FAILED candidates, filtered as a store filters them in SQL, in <see cref="Order"/>.</summary>
    public IReadOnlyList<PhaseCandidate> Candidates(CandidateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var inFlight = rows.Where(r => PhaseStates.IsInFlight(r.State))
            .GroupBy(r => r.RunId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().State, StringComparer.Ordinal);
        return rows
            .Where(r => r.State == PhaseStates.Failed)
            .Where(r => query.RunId is null || r.RunId == query.RunId)
            .Where(r => !query.SkipRunPrefixes.Any(p => r.RunId.StartsWith(p, StringComparison.Ordinal)))
            .Where(r => !query.ExcludedKeys.Contains(PhaseKey.Of(r.RunId, r.PhaseId)))
            .Select(r => new PhaseCandidate(r.RunId, r.PhaseId, r.PhaseIndex, r.Reason, inFlight.GetValueOrDefault(r.RunId)))
            .Order(Order)
            .ToList();
    }

    public async IAsyncEnumerable<PhaseCandidate> StreamCandidatesAsync(CandidateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var candidate in Candidates(query))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return candidate;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public PhaseRecord? GetPhase(string runId, string phaseId) =>
        byKey.TryGetValue(PhaseKey.Of(runId, phaseId), out var r) ? new PhaseRecord(r.RunId, r.PhaseId, r.PhaseIndex, r.State, r.Reason) : null;

    public Task<PhaseRecord?> GetPhaseAsync(string runId, string phaseId, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetPhase(runId, phaseId));

    public RequeueOutcome TryRequeue(string runId, string phaseId)
    {
        if (!byKey.TryGetValue(PhaseKey.Of(runId, phaseId), out var row))
        {
            return new RequeueOutcome(RequeueStatus.NotFound, null);
        }

        if (row.State != PhaseStates.Failed)
        {
            return new RequeueOutcome(RequeueStatus.NotFailed, row.State);
        }

        row.State = PhaseStates.Queued;
        return new RequeueOutcome(RequeueStatus.Requeued, row.State);
    }

    public Task<RequeueOutcome> TryRequeueAsync(string runId, string phaseId, CancellationToken cancellationToken = default) =>
        Task.FromResult(TryRequeue(runId, phaseId));

    public bool RestoreToFailed(string runId, string phaseId, string reason)
    {
        if (!byKey.TryGetValue(PhaseKey.Of(runId, phaseId), out var row) || row.State is not (PhaseStates.Queued or PhaseStates.Executing))
        {
            return false;
        }

        row.State = PhaseStates.Failed;
        row.Reason = reason;
        return true;
    }

    public Task<bool> RestoreToFailedAsync(string runId, string phaseId, string reason, CancellationToken cancellationToken = default) =>
        Task.FromResult(RestoreToFailed(runId, phaseId, reason));

    /// <summary>What the executor writes when a phase ends: COMPLETE, or FAILED with its reason.</summary>
    public void SetOutcome(string runId, string phaseId, string state, string? reason)
    {
        var row = byKey[PhaseKey.Of(runId, phaseId)];
        row.State = state;
        if (reason is not null)
        {
            row.Reason = reason;
        }
    }

    public Task<PhaseRecord?> WaitForSettledAsync(string runId, string phaseId, TimeSpan maxWait, TimeSpan pollInterval, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetPhase(runId, phaseId));

    public Task<long?> CountTelemetryAsync(string? runId = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<long?>(TelemetryRows);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Row(string runId, string phaseId, int phaseIndex)
    {
        public string RunId { get; } = runId;

        public string PhaseId { get; } = phaseId;

        public int PhaseIndex { get; } = phaseIndex;

        public string State { get; set; } = PhaseStates.Failed;

        public string? Reason { get; set; }
    }
}

/// <summary>
/// The v1 order: phase_index, then run_id, then phase_id, whatever the failure category (v1 had
/// no timeout deprioritization).
/// </summary>
public sealed class PlainIndexOrder : IComparer<PhaseCandidate>
{
    public static readonly PlainIndexOrder Instance = new();

    public int Compare(PhaseCandidate? x, PhaseCandidate? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var byIndex = x.PhaseIndex.CompareTo(y.PhaseIndex);
        if (byIndex != 0)
        {
            return byIndex;
        }

        var byRun = PhaseOrder.CompareCodePoints(x.RunId, y.RunId);
        return byRun != 0 ? byRun : PhaseOrder.CompareCodePoints(x.PhaseId, y.PhaseId);
    }
}
