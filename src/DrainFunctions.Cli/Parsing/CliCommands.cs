using System.CommandLine;
using DrainFunctions.Cli.Commands;
using DrainFunctions.Core.Options;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// The command tree of <c>drain</c>: the root command is the drain itself (its flags are the
/// Python tool's), and every other command is registered below, one line each.
/// </summary>
public static class CliCommands
{
    public const string Description = """
        Drains a backlog of FAILED Autopack phases safely (DATABASE_URL: postgresql://user:pass@host:5432/db
        or sqlite:///path.db). Without a command, runs a batch drain with the Python tool's flags.
        Exit codes: 0 no phase failed, 1 a phase failed or an error, 2 bad usage, 130 after Ctrl-C.
        Logs: --log-level LEVEL or --verbose (stderr). No colour is printed; NO_COLOR is honoured by the logs.
        """;

    public static RootCommand Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand(Description);
        var drain = new DrainFlagSet();
        drain.AddTo(root);
        root.SetAction(async (parsed, _) => await DrainCommand.RunAsync(drain.Bind(parsed, new DrainOptions()), context.Stdout, context.Stderr, context.Interrupts));
        GlobalFlags.AddTo(root);

        // The commands, one line each (their flags, help and examples are in their own classes).
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(Agent.AgentCommand.Create(context));
        root.Subcommands.Add(AgentsCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(CancelCommand.Create(context));
        root.Subcommands.Add(LogsCommand.Create(context));
        root.Subcommands.Add(WatchCommand.Create(context));
        root.Subcommands.Add(SessionsCommand.Create(context));
        root.Subcommands.Add(LedgerCommand.Create(context));
        root.Subcommands.Add(ForecastCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(FingerprintCommand.Create(context));
        root.Subcommands.Add(DbCommand.Create(context));
        root.Subcommands.Add(DrainFunctions.Simulation.SimulateCommand.Create(context.Stdout, context.Stderr));
        root.Subcommands.Add(CompletionCommand.Create(context));
        root.Subcommands.Add(HelpCommand(root, context));

        CommandHelp.Install(root);
        return CommandHelp.WithExamples(
            root,
            "export DATABASE_URL=postgresql://autopack:secret@db:5432/autopack",
            "drain --batch-size 10                  # the Python tool's flags, same defaults",
            "drain --dry-run --batch-size 20        # what it would drain, changing nothing",
            "drain --resume                         # continue the newest incomplete session",
            "DRAIN_API_KEY=... drain --endpoint https://app.azurewebsites.net --batch-size 5",
            "drain demo                             # a real durable drain on a demo backlog",
            "drain COMMAND --help                   # each command's flags and examples");
    }

    /// <summary><c>drain help</c>: the same as <c>drain --help</c>, as it always was.</summary>
    private static Command HelpCommand(RootCommand root, CliContext context)
    {
        var help = new Command("help", "the same as drain --help") { Hidden = true };
        help.SetAction(_ => root.Parse(["--help"], FlagParsing.Configuration).Invoke(FlagParsing.Invocation(context.Stdout, context.Stderr)));
        return help;
    }
}
