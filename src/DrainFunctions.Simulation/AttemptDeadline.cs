using DrainFunctions.Core.Options;
using DrainFunctions.Core.Phases;

namespace DrainFunctions.Simulation;

/// <summary>An attempt's effective timeout: the base timeout, moved on by each extension its looks earned.</summary>
/// <param name="TimeoutSeconds">The timeout that cuts the attempt, from its start.</param>
/// <param name="Extensions">The extensions in the order they were granted (empty: none).</param>
public sealed record AttemptDeadline(int TimeoutSeconds, IReadOnlyList<PhaseExtension> Extensions)
{
    /// <summary>
    /// The looks of the durable drain, on the simulated clock: at each
    /// <see cref="ProgressExtensions.NextCheck"/> the marks the model gives then are compared by
    /// <see cref="ProgressExtensions.Decide"/> with those it gave when the look's window opened
    /// (<see cref="ProgressExtensions.WindowStart"/>; at the attempt's start: nothing yet), as the
    /// orchestration takes them; an extension moves the deadline and the next look, none ends the
    /// walk. No look happens once the attempt has ended by itself or the budget has cut it
    /// (<paramref name="budgetLeftSeconds"/> from the start): those events come first.
    /// </summary>
    public static AttemptDeadline Walk(AttemptBehaviour behaviour, DrainOptions options, DateTimeOffset startedAt, double budgetLeftSeconds)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        ArgumentNullException.ThrowIfNull(options);
        var timeout = options.PhaseTimeoutSeconds;
        if (!options.ExtendOnProgress)
        {
            return new AttemptDeadline(timeout, []);
        }

        var longest = options.LongestPhaseSeconds();
        var runsFor = behaviour.Hang ? double.PositiveInfinity : behaviour.DurationSeconds;
        var extensions = new List<PhaseExtension>();
        while (ProgressExtensions.NextCheck(startedAt, timeout, options.PhaseTimeoutSeconds, longest) is { } check)
        {
            var at = (check - startedAt).TotalSeconds;
            if (at >= runsFor || at >= budgetLeftSeconds)
            {
                break;
            }

            var windowOpens = (ProgressExtensions.WindowStart(startedAt, check, options.PhaseTimeoutSeconds) - startedAt).TotalSeconds;
            if (ProgressExtensions.Decide(options.PhaseTimeoutSeconds, longest, timeout, at, behaviour.MarksAt(windowOpens), behaviour.MarksAt(at)) is not { } extension)
            {
                break;
            }

            extensions.Add(extension);
            timeout = extension.TimeoutSeconds;
        }

        return new AttemptDeadline(timeout, extensions);
    }
}
