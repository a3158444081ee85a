using System.CommandLine;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>What runs a phase, as <c>drain</c>, <c>drain demo</c> and <c>drain serve</c> take it.</summary>
public sealed class ExecutorFlags
{
    private readonly Option<string?> kind = Flag.Choice("--executor", "what runs a phase: Autopack's command (process, the default) or the demo's stand-in (demo)", "process", "demo");
    private readonly Option<string?> command = Flag.Text("--executor-command", "TEMPLATE", "the command per phase, split like a POSIX shell; placeholders " + CommandLine.AllowedPlaceholders);
    private readonly Option<string?> workspace = Flag.Text("--workspace", "DIR", "where the command runs (default: the current directory)");

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
            if (kind == "demo")
            {
                throw UsageException.ForFlag("--executor-command", "not allowed with --executor demo (the demo executor has its own command)");
            }

            DrainFlags.CheckTemplate(commandTemplate);
        }

        if (workspaceFolder is not null && !Directory.Exists(workspaceFolder))
        {
            throw UsageException.ForFlag("--workspace", $"no such directory: {workspaceFolder}");
        }
    }
}
