using DrainFunctions.Core.Phases;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A finished dry run: <paramref name="PreviewId"/> names it in answers (<c>preview-&lt;guid&gt;</c>,
/// as before; no instance of that id exists), <paramref name="RecentLines"/> are its last lines
/// within the bound a drain's status keeps.
/// </summary>
public sealed record DrainPreview(string PreviewId, DryRunOutcome Outcome, IReadOnlyList<string> RecentLines);
