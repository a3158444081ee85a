using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Simulation;

/// <summary>One drain session's record: the picks in order, the results, the final policy state.</summary>
public sealed class DrainRun
{
    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset EndedAt { get; set; }

    /// <summary><c>run_id:phase_id</c> of every pick, in order.</summary>
    public List<string> Picks { get; } = [];

    /// <summary>In completion order (ties: the attempt started first).</summary>
    public List<DrainResult> Results { get; } = [];

    /// <summary>Slot and start/end of each result, in the order of <see cref="Results"/>.</summary>
    public List<AttemptSpan> Spans { get; } = [];

    /// <summary>The slots the drain ran with (<see cref="Core.Options.DrainOptions.ParallelSlots"/>).</summary>
    public int Slots { get; set; } = 1;

    public PolicyState State { get; set; } = new();

    /// <summary>Earlier attempts the drain's forecast rested on (<c>--prioritize yield|forecast</c>; 0 otherwise).</summary>
    public int HistoryAttempts { get; set; }

    public SessionStop Stop { get; set; }

    /// <summary>Skip lines the selector produced (not printed, only counted).</summary>
    public int SkipLines => Skips.Count;

    /// <summary>The skip lines themselves (<c>  [SKIP] run/phase: REASON</c>), for tests and debugging.</summary>
    public List<string> Skips { get; } = [];

    /// <summary>Skip lines that came from the cross-session ledger.</summary>
    public int LedgerSkipLines { get; set; }

    /// <summary>The progress lines of the bookkeeping ([SAMPLE-OK], [SAMPLE-SKIP], [STOP], [TIME LIMIT]) and of the deadline extensions ([EXTEND]), in the order the drain prints them.</summary>
    public List<string> Lines { get; } = [];
}
