using System.CommandLine;
using DrainFunctions.Core.Options;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>Parses the drain's flags with the Python tool's names, meanings and defaults.</summary>
public static class DrainFlags
{
    /// <summary><c>drain [flags]</c>'s arguments as a checked invocation; bad input throws <see cref="UsageException"/>.</summary>
    public static DrainInvocation Parse(IReadOnlyList<string> args)
    {
        var flags = new DrainFlagSet();
        var command = new RootCommand();
        flags.AddTo(command);
        var parsed = command.Parse(args, FlagParsing.Configuration);
        if (ParseErrorText.Describe(parsed, args) is { } message)
        {
            throw new UsageException(message);
        }

        return flags.Bind(parsed, new DrainOptions());
    }

    /// <summary>The template's text: not empty, well quoted, only known placeholders (exit 2 naming the flag).</summary>
    public static void CheckTemplate(string template)
    {
        if (DrainFunctions.Durable.Executors.CommandLine.TemplateProblems(template) is [var problem, ..])
        {
            throw UsageException.ForFlag("--executor-command", problem);
        }
    }

    /// <summary>
    /// Before anything starts: the program of the process executor's command exists (on PATH, or
    /// relative to the workspace). Not for the demo executor (ours), nor for a dry run (runs nothing).
    /// </summary>
    public static void CheckExecutable(string kind, string? command, string? workspace)
    {
        if (kind != "process")
        {
            return;
        }

        var template = command ?? DrainFunctions.Durable.Hosting.ExecutorOptions.DefaultTemplate;
        CheckTemplate(template);
        if (DrainFunctions.Durable.Executors.CommandLine.FindExecutable(template, workspace ?? Directory.GetCurrentDirectory()) is (_, { } error))
        {
            throw UsageException.ForFlag("--executor-command", command is null ? $"{error}; the default command is `{template}`: install it, or give the command with --executor-command" : error);
        }
    }
}
