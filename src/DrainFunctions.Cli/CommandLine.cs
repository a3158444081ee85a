using DrainFunctions.Cli.Commands;
using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli;

/// <summary>Dispatches <c>drain SUBCOMMAND ...</c>; bad input prints <c>drain: error: ...</c> and exits 2.</summary>
public static class CommandLine
{
    public const string Usage = """
        usage: drain [drain flags]            run a batch drain on DATABASE_URL (drain --help lists the flags)
               drain demo                     a real durable drain on a fresh SQLite demo backlog
               drain serve [--port N] [--key KEY]   the Function App's HTTP API on the local durable host
               drain status ID [--output table|json]   a drain's state, progress and stop reason
               drain cancel ID [--now]        stop a drain after its current phase (--now: stop that phase too)
               drain logs ID RUN PHASE [--follow]   a phase's captured output
               drain watch ID                 print a drain's progress lines until it ends
               drain sessions list|show ID|import PATH...
               drain ledger show|forget RUN   what drains remember across sessions
               drain report ID|FILE           print the summary report of a stored session or a session file
               drain fingerprint [...]        normalize errors and compute failure fingerprints
               drain db init|seed-demo        create Autopack's tables / a demo backlog on DATABASE_URL
               drain simulate [...]           run the policy on a simulated backlog (see docs/simulation.md)
        """;

    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdin, stdout, stderr, new Interrupts()).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            var rest = args.Skip(1).ToList();
            if (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
            {
                return await DrainCommand.RunAsync(args, stdout, stderr, interrupts);
            }

            return args[0] switch
            {
                "fingerprint" => FingerprintCommand.Run(rest, stdin, stdout, stderr),
                "report" => await ReportCommand.RunAsync(rest, stdout, stderr),
                "db" => await DbCommand.RunAsync(rest, stdout, stderr, CancellationToken.None),
                "simulate" => DrainFunctions.Simulation.SimulateCommand.Run([.. rest], stdout, stderr),
                "sessions" => await SessionsCommand.RunAsync(rest, stdout, stderr),
                "demo" => await DemoCommand.RunAsync(rest, stdout, stderr, interrupts),
                "ledger" => await LedgerCommand.RunAsync(rest, stdout, stderr),
                "serve" => await ServeCommand.RunAsync(rest, stdout, stderr, interrupts),
                "status" => rest.Contains("--help") ? Help(stdout, StatusCommand.Usage) : await StatusCommand.RunAsync(StatusCommand.Parse(rest), stdout, stderr),
                "cancel" => rest.Contains("--help") ? Help(stdout, CancelCommand.Usage) : await CancelCommand.RunAsync(CancelCommand.Parse(rest), stdout, stderr),
                "logs" => rest.Contains("--help") ? Help(stdout, LogsCommand.Usage) : await LogsCommand.RunAsync(LogsCommand.Parse(rest), stdout, stderr, interrupts),
                "watch" => rest.Contains("--help") ? Help(stdout, WatchCommand.Usage) : await WatchCommand.RunAsync(WatchCommand.Parse(rest), stdout, stderr, interrupts),
                "help" or "-h" => Help(stdout),
                _ => throw new UsageException($"argument command: invalid choice: '{args[0]}' (choose from 'demo', 'serve', 'sessions', 'ledger', 'report', 'fingerprint', 'db', 'simulate', or drain flags such as --batch-size)"),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"drain: error: {ex.Message}");
            return 2;
        }
        catch (RemoteAnswerException ex)
        {
            stderr.WriteLine($"drain: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is DrainFunctions.Data.BacklogAccessException or DrainFunctions.Data.BacklogSchemaException)
        {
            // The database refused us or is not Autopack's (nothing started): one line naming it, masked.
            stderr.WriteLine($"drain: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or Azure.RequestFailedException or DrainFunctions.Data.BacklogUnavailableException or InvalidOperationException or HttpRequestException)
        {
            // Infrastructure trouble: say what failed, without a stack trace; durable state stays resumable.
            stderr.WriteLine($"drain: {ex.Message}");
            stderr.WriteLine("drain: the session, if one started, is saved; continue it with: drain --resume");
            return 1;
        }
    }

    private static int Help(TextWriter stdout, string usage = Usage)
    {
        stdout.WriteLine(usage);
        return 0;
    }
}
