using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace DrainFunctions.Flags;

/// <summary>
/// <c>--help</c> of every command: System.CommandLine's description, usage, arguments and options,
/// then the command's examples and notes. Help only writes: it never runs the command.
/// </summary>
public sealed class CommandHelp : SynchronousCommandLineAction
{
    private static readonly ConditionalWeakTable<Command, string> Epilogues = [];

    public override bool ClearsParseErrors => true;

    /// <summary>Examples (and notes) printed after the options in the command's help.</summary>
    public static TCommand WithExamples<TCommand>(TCommand command, params string[] lines)
        where TCommand : Command
    {
        ArgumentNullException.ThrowIfNull(command);
        Epilogues.AddOrUpdate(command, string.Join('\n', lines));
        return command;
    }

    /// <summary>Replaces the help option's action of <paramref name="root"/> with this one.</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        // Only --help and -h: /h, /? and -? are words a path or a value may be.
        foreach (var option in root.Options.OfType<HelpOption>().ToList())
        {
            root.Options.Remove(option);
        }

        root.Options.Add(new HelpOption("--help", "-h") { Action = new CommandHelp() });
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        new HelpAction().Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        if (Epilogues.TryGetValue(parseResult.CommandResult.Command, out var epilogue))
        {
            output.WriteLine("Examples:");
            foreach (var line in epilogue.Split('\n'))
            {
                output.WriteLine(line.Length == 0 ? line : "  " + line);
            }

            output.WriteLine();
        }

        return 0;
    }
}
