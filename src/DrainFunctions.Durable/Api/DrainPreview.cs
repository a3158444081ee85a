using DrainFunctions.Core.Phases;
using DrainFunctions.Durable.Orchestration;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A finished dry run: <paramref name="PreviewId"/> names it in answers (<c>preview-&lt;guid&gt;</c>,
/// as before; no instance of that id exists), <paramref name="RecentLines"/> are its last lines
/// within the bound a drain's status keeps.
/// </summary>
public sealed record DrainPreview(string PreviewId, DryRunOutcome Outcome, IReadOnlyList<string> RecentLines)
{
    /// <summary><see cref="RecentLines"/> with their sequence numbers, as a drain's status shows its lines.</summary>
    public IReadOnlyList<ProgressLine> Lines { get; init; } = [];

    /// <summary>When the preview ran.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The batch size it previewed.</summary>
    public int BatchSize { get; init; }
}
