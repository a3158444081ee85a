using DrainFunctions.Core.Options;

namespace DrainFunctions.Cli.Commands;

/// <summary>Everything <c>drain [flags]</c> accepts: the Python tool's flags plus ours.</summary>
public sealed record DrainInvocation
{
    public required DrainOptions Options { get; init; }

    public bool Resume { get; init; }

    public string Executor { get; init; } = "process";

    public string? ExecutorCommand { get; init; }

    public string? Workspace { get; init; }

    public bool Json { get; init; }

    /// <summary>The Function App (or <c>drain serve</c>) that runs the drain; null: a local drain.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The function key for <see cref="Endpoint"/>: <c>--key</c>, else <c>DRAIN_API_KEY</c>.</summary>
    public string? Key { get; init; }
}
