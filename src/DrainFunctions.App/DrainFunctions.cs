using DrainFunctions.Durable.Activities;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.App;

/// <summary>
/// The orchestrator and one activity function per library activity class, named after it (the
/// orchestrator calls activities by class name). The functions only wire triggers.
/// </summary>
public static class DrainFunctions
{
    [Function(nameof(DrainOrchestrator))]
    public static Task<DrainSummaryOutput> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DrainOrchestrator().RunAsync(context, context.GetInput<DrainOrchestrationInput>()!);
    }

    [Function(nameof(SelectNextPhase))]
    public static Task<SelectNextPhaseOutput> SelectNextPhase([ActivityTrigger] SelectNextPhaseInput input, FunctionContext function) =>
        Run<SelectNextPhase, SelectNextPhaseInput, SelectNextPhaseOutput>(input, function);

    [Function(nameof(CaptureTelemetrySnapshot))]
    public static Task<TelemetrySnapshotOutput> CaptureTelemetrySnapshot([ActivityTrigger] TelemetrySnapshotInput input, FunctionContext function) =>
        Run<CaptureTelemetrySnapshot, TelemetrySnapshotInput, TelemetrySnapshotOutput>(input, function);

    [Function(nameof(RunPhaseExecutor))]
    public static Task<RunPhaseExecutorOutput> RunPhaseExecutor([ActivityTrigger] RunPhaseExecutorInput input, FunctionContext function) =>
        Run<RunPhaseExecutor, RunPhaseExecutorInput, RunPhaseExecutorOutput>(input, function);

    [Function(nameof(RestorePhase))]
    public static Task<RestorePhaseOutput> RestorePhase([ActivityTrigger] RestorePhaseInput input, FunctionContext function) =>
        Run<RestorePhase, RestorePhaseInput, RestorePhaseOutput>(input, function);

    [Function(nameof(SettlePhaseOutcome))]
    public static Task<SettlePhaseOutcomeOutput> SettlePhaseOutcome([ActivityTrigger] SettlePhaseOutcomeInput input, FunctionContext function) =>
        Run<SettlePhaseOutcome, SettlePhaseOutcomeInput, SettlePhaseOutcomeOutput>(input, function);

    [Function(nameof(SaveSessionSnapshot))]
    public static Task<SaveSessionSnapshotOutput> SaveSessionSnapshot([ActivityTrigger] SaveSessionSnapshotInput input, FunctionContext function) =>
        Run<SaveSessionSnapshot, SaveSessionSnapshotInput, SaveSessionSnapshotOutput>(input, function);

    [Function(nameof(FinishSession))]
    public static Task<FinishSessionOutput> FinishSession([ActivityTrigger] FinishSessionInput input, FunctionContext function) =>
        Run<FinishSession, FinishSessionInput, FinishSessionOutput>(input, function);

    [Function(nameof(RecordLedgerEntry))]
    public static Task<RecordLedgerEntryOutput> RecordLedgerEntry([ActivityTrigger] RecordLedgerEntryInput input, FunctionContext function) =>
        Run<RecordLedgerEntry, RecordLedgerEntryInput, RecordLedgerEntryOutput>(input, function);

    [Function(nameof(RenewDrainLock))]
    public static Task<RenewDrainLockOutput> RenewDrainLock([ActivityTrigger] RenewDrainLockInput input, FunctionContext function) =>
        Run<RenewDrainLock, RenewDrainLockInput, RenewDrainLockOutput>(input, function);

    [Function(nameof(ReleaseDrainLock))]
    public static Task<ReleaseDrainLockOutput> ReleaseDrainLock([ActivityTrigger] ReleaseDrainLockInput input, FunctionContext function) =>
        Run<ReleaseDrainLock, ReleaseDrainLockInput, ReleaseDrainLockOutput>(input, function);

    [Function(nameof(CheckPhaseProgress))]
    public static Task<CheckPhaseProgressOutput> CheckPhaseProgress([ActivityTrigger] CheckPhaseProgressInput input, FunctionContext function) =>
        Run<CheckPhaseProgress, CheckPhaseProgressInput, CheckPhaseProgressOutput>(input, function);

    [Function(nameof(CheckAgentWork))]
    public static Task<CheckAgentWorkOutput> CheckAgentWork([ActivityTrigger] CheckAgentWorkInput input, FunctionContext function) =>
        Run<CheckAgentWork, CheckAgentWorkInput, CheckAgentWorkOutput>(input, function);

    /// <summary>Runs the library's activity inside a logging scope naming its session, as the local host does.</summary>
    private static async Task<TOut> Run<TActivity, TIn, TOut>(TIn input, FunctionContext function)
        where TActivity : TaskActivity<TIn, TOut>
    {
        ArgumentNullException.ThrowIfNull(function);
        var activity = ActivatorUtilities.CreateInstance<TActivity>(function.InstanceServices);
        using var scope = DrainLogs.BeginSession(function.GetLogger(typeof(TActivity).Name), DrainLogs.SessionOf(input));
        return await activity.RunAsync(new FunctionActivityContext(typeof(TActivity).Name, function), input);
    }
}
