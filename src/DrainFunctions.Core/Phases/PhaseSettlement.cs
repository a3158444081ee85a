namespace DrainFunctions.Core.Phases;

/// <summary>
/// The phase's real state once nothing of its attempt runs any more, and whether the drain (not
/// the executor) put it back to FAILED.
/// </summary>
/// <param name="Found">False: the phase is gone from the database.</param>
/// <param name="State">The state read before any restore.</param>
/// <param name="LastFailureReason">The phase's failure reason as read.</param>
/// <param name="Restored">The drain restored the phase: it was still QUEUED/EXECUTING when the attempt's processes were gone.</param>
/// <param name="ExecutorMayHaveStarted">The attempt's marker says the executor may have been started.</param>
public sealed record PhaseSettlement(bool Found, string State, string? LastFailureReason, bool Restored, bool ExecutorMayHaveStarted);
