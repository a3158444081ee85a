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
    // Rows kept sorted by Order over their candidate projection; a row whose reason changes is
    // moved (binary search with the same comparer), so that a pick streams in order without
    // sorting the backlog again and stops at the first eligible row.
    private readonly List<Row> sorted = [];
    private readonly Dictionary<string, Row> byKey = new(StringComparer.Ordinal);
    private readonly Comparer<Row> rowOrder;

    public InMemoryBacklogStore(IEnumerable<PhaseRecord> phases, IComparer<PhaseCandidate>? order = null)
    {
        ArgumentNullException.ThrowIfNull(phases);
        Order = order ?? PhaseOrder.Instance;
        rowOrder = Comparer<Row>.Create((a, b) => Order.Compare(a.Candidate, b.Candidate));
        foreach (var phase in phases)
        {
            var row = new Row(phase.RunId, phase.PhaseId, phase.PhaseIndex, phase.State, phase.LastFailureReason);
            byKey.Add(row.Candidate.Key, row);
            sorted.Add(row);
        }

        sorted.Sort(rowOrder);
    }

    public IComparer<PhaseCandidate> Order { get; }

    public string DisplayName => "memory://simulated-backlog";

    /// <summary>Telemetry rows written so far (the simulator adds to it while phases run).</summary>
    public long TelemetryRows { get; set; }

    public Task<BacklogSummary> DescribeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new BacklogSummary(
            DisplayName,
            sorted.Select(r => r.Candidate.RunId).Distinct(StringComparer.Ordinal).LongCount(),
            sorted.Count,
            sorted.LongCount(r => r.State == PhaseStates.Failed),
            sorted.LongCount(r => PhaseStates.IsInFlight(r.State))));

    /// <summary>The FAILED candidates, filtered as a store filters them in SQL, lazily in <see cref="Order"/>.</summary>
    public IEnumerable<PhaseCandidate> Candidates(CandidateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Dictionary<string, string>? inFlight = null;
        if (sorted.Exists(r => PhaseStates.IsInFlight(r.State)))
        {
            inFlight = sorted.Where(r => PhaseStates.IsInFlight(r.State))
                .GroupBy(r => r.Candidate.RunId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().State, StringComparer.Ordinal);
        }

        foreach (var row in sorted)
        {
            var c = row.Candidate;
            if (row.State != PhaseStates.Failed
                || (query.RunId is not null && c.RunId != query.RunId)
                || query.SkipRunPrefixes.Any(p => c.RunId.StartsWith(p, StringComparison.Ordinal))
                || query.ExcludedKeys.Contains(c.Key))
            {
                continue;
            }

            yield return inFlight?.GetValueOrDefault(c.RunId) is { } state ? c with { RunInFlightState = state } : c;
        }
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
        byKey.TryGetValue(PhaseKey.Of(runId, phaseId), out var r)
            ? new PhaseRecord(r.Candidate.RunId, r.Candidate.PhaseId, r.Candidate.PhaseIndex, r.State, r.Candidate.LastFailureReason)
            : null;

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
        SetReason(row, reason);
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
            SetReason(row, reason);
        }
    }

    public Task<PhaseRecord?> WaitForSettledAsync(string runId, string phaseId, TimeSpan maxWait, TimeSpan pollInterval, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetPhase(runId, phaseId));

    public Task<long> CountQueuedAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(sorted.LongCount(r => r.State == PhaseStates.Queued));

    public Task<long?> CountTelemetryAsync(string? runId = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<long?>(TelemetryRows);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void SetReason(Row row, string reason)
    {
        if (row.Candidate.LastFailureReason == reason)
        {
            return;
        }

        sorted.Remove(row);
        row.Candidate = row.Candidate with { LastFailureReason = reason };
        var at = sorted.BinarySearch(row, rowOrder);
        sorted.Insert(at < 0 ? ~at : at, row);
    }

    private sealed class Row(string runId, string phaseId, int phaseIndex, string state, string? reason)
    {
        public PhaseCandidate Candidate { get; set; } = new(runId, phaseId, phaseIndex, reason);

        public string State { get; set; } = state;
    }
}
