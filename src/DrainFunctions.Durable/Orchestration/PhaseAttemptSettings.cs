using DrainFunctions.Core.Options;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>What a phase attempt needs from its session; it reads nothing else of the loop.</summary>
/// <param name="SessionId">The session the attempt belongs to.</param>
/// <param name="Options">The session's options (phase timeout, budget, API URL).</param>
/// <param name="GraceSeconds">How long after the executor's own deadline the phase timer fires.</param>
/// <param name="BudgetDeadline">When the session's total budget runs out, or null without one.</param>
/// <param name="Timers">The generation's shared phase and budget timers; null: each attempt has its own (drains scheduled by earlier versions).</param>
internal sealed record PhaseAttemptSettings(string SessionId, DrainOptions Options, int GraceSeconds, DateTimeOffset? BudgetDeadline, GenerationTimers? Timers = null);
