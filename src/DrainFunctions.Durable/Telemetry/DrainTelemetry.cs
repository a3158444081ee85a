using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// The drain's own traces and metrics: one <see cref="ActivitySource"/> and one <see cref="Meter"/>
/// named <see cref="Name"/>, and every span, metric and attribute name in one place. Nothing is
/// recorded unless a listener (an OpenTelemetry provider, a test) subscribes to <see cref="Name"/>.
/// </summary>
public static class DrainTelemetry
{
    public const string Name = "DrainFunctions";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static class Spans
    {
        public const string Session = "drain.session";
        public const string Phase = "drain.phase";
        public const string Select = "drain.select";
        public const string Execute = "drain.execute";
        public const string Settle = "drain.settle";
        public const string Restore = "drain.restore";
        public const string Save = "drain.save";
        public const string Snapshot = "drain.snapshot";
        public const string CheckAgent = "drain.check_agent";
        public const string CheckProgress = "drain.check_progress";
        public const string AgentRun = "drain.agent.run";
    }

    public static class Attributes
    {
        public const string SessionId = "drain.session_id";
        public const string RunId = "drain.run_id";
        public const string PhaseId = "drain.phase_id";
        public const string Category = "drain.category";
        public const string AttemptId = "drain.attempt_id";
        public const string Outcome = "drain.outcome";
        public const string FinalState = "drain.final_state";
        public const string Fingerprint = "drain.fingerprint";
        public const string TimedOut = "drain.timed_out";
        public const string InterruptedBy = "drain.interrupted_by";
        public const string Slot = "drain.slot";
        public const string Agent = "drain.agent";
        public const string Extended = "drain.extended";
        public const string ExecutorStatus = "drain.executor_status";
        public const string Restored = "drain.restored";
        public const string Processed = "drain.total_processed";
        public const string Succeeded = "drain.total_success";
        public const string Failed = "drain.total_failed";
        public const string TelemetryEvents = "drain.telemetry_events";
        public const string StoppedRuns = "drain.stopped_runs";
        public const string Reason = "drain.reason";
        public const string FromLedger = "drain.ledger";
        public const string Picked = "drain.picked";
    }

    public static class Outcomes
    {
        public const string Success = "success";
        public const string Failed = "failed";
        public const string Timeout = "timeout";
        public const string Interrupted = "interrupted";
    }

    /// <summary>Phases drained (one per session result), tagged with <see cref="Attributes.Outcome"/>.</summary>
    public static readonly Counter<long> PhasesDrained = Meter.CreateCounter<long>("drain.phases", "{phase}", "Phases drained, by outcome");

    public static readonly Histogram<double> ExecutorSeconds = Meter.CreateHistogram<double>("drain.executor.duration", "s", "Executor run time per phase");

    /// <summary>Executor time that bought nothing new: timeouts and failures whose fingerprint repeats.</summary>
    public static readonly Counter<double> WastedExecutorSeconds = Meter.CreateCounter<double>("drain.executor.wasted", "s", "Executor seconds of timeouts and repeated failures");

    public static readonly Counter<long> TelemetryEvents = Meter.CreateCounter<long>("drain.telemetry.events", "{event}", "Telemetry events collected by drained phases");

    public static readonly Histogram<double> TelemetryYield = Meter.CreateHistogram<double>("drain.telemetry.yield", "{event}/min", "Telemetry events per executor minute");

    public static readonly Histogram<double> SelectionSeconds = Meter.CreateHistogram<double>("drain.selection.duration", "s", "Time to pick the next phase");

    public static readonly Counter<long> Skips = Meter.CreateCounter<long>("drain.skips", "{pick}", "Candidates passed over, by reason");

    /// <summary>The drain's own time per phase: from the previous result to this one, less the executor's time (<see cref="PhaseCycles"/>).</summary>
    public static readonly Histogram<double> ControllerOverhead = Meter.CreateHistogram<double>("drain.controller.overhead", "s", "Drain time per phase outside the executor");

    public static readonly UpDownCounter<long> PhasesInFlight = Meter.CreateUpDownCounter<long>("drain.phases.in_flight", "{phase}", "Executors running now");
}
