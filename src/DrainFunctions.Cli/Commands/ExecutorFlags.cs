using System.CommandLine;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>What runs a phase, as <c>drain</c>, <c>drain demo</c> and <c>drain serve</c> take it.</summary>
public sealed class ExecutorFlags
{
    private readonly Option<string?> kind;
    private readonly Option<string?> command = Flag.Text("--executor-command", "TEMPLATE", "the command per phase, split like a POSIX shell; placeholders " + CommandLine.AllowedPlaceholders);
    private readonly Option<string?> workspace = Flag.Text("--workspace", "DIR", "where the command runs (default: the current directory)");

    /// <param name="agents">Whether <c>agent</c> is a choice: only where agents can reach the drain (<c>drain serve</c>).</param>
    public ExecutorFlags(bool agents = false)
    {
        kind = agents
            ? Flag.Choice("--executor", "what runs a phase: Autopack's command (process, the default), the demo's stand-in (demo), or `drain agent` processes that claim phases from this server (agent)", "process", "demo", "agent")
            : Flag.Choice("--executor", "what runs a phase: Autopack's command (process, the default) or the demo's stand-in (demo)", "process", "demo");
    }

    public IEnumerable<Option> Options => [kind, command, workspace];

    /// <summary>The values given (null: not given).</summary>
    public (string? Kind, string? Command, string? Workspace) Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return (parsed.GetValue(kind), parsed.GetValue(command), parsed.GetValue(workspace));
    }

    /// <summary>A command template only for the process executor (checked as text: quoting, placeholders); the workspace must exist.</summary>
    public static void Check(string kind, string? commandTemplate, string? workspaceFolder)
    {
        if (commandTemplate is not null)
        {
            if (kind is "demo" or "agent")
            {
                throw UsageException.ForFlag("--executor-command", $"not allowed with --executor {kind} ({(kind == "demo" ? "the demo executor has its own command" : "each agent gives its own")})");
            }

            DrainFlags.CheckTemplate(commandTemplate);
        }

        if (workspaceFolder is not null && !Directory.Exists(workspaceFolder))
        {
            throw UsageException.ForFlag("--workspace", $"no such directory: {workspaceFolder}");
        }
    }
}
