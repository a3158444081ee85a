using DrainFunctions.Cli.Commands;

namespace DrainFunctions.Cli;

/// <summary>Dispatches <c>drain SUBCOMMAND ...</c>; bad input prints <c>drain: error: ...</c> and exits 2.</summary>
public static class CommandLine
{
    public const string Usage = """
        usage: drain [drain flags]            run a batch drain (see README)
               drain fingerprint [...]        normalize errors and compute failure fingerprints
               drain report FILE              print the summary report of a session file
               drain db init|seed-demo        create Autopack's tables / a demo backlog on DATABASE_URL
               drain simulate [...]           run the policy on a simulated backlog (see docs/simulation.md)
        """;

    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            var rest = args.Skip(1).ToList();
            return args.Count == 0 ? Unavailable(stderr) : args[0] switch
            {
                "fingerprint" => FingerprintCommand.Run(rest, stdin, stdout, stderr),
                "report" => ReportCommand.Run(rest, stdout),
                "db" => DbCommand.RunAsync(rest, stdout, stderr, CancellationToken.None).GetAwaiter().GetResult(),
                "simulate" => DrainFunctions.Simulation.SimulateCommand.Run([.. rest], stdout, stderr),
                "help" or "--help" or "-h" => Help(stdout),
                _ => Unavailable(stderr),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"drain: error: {ex.Message}");
            return 2;
        }
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return 0;
    }

    private static int Unavailable(TextWriter stderr)
    {
        stderr.WriteLine(Usage);
        stderr.WriteLine("drain: error: the drain itself is not wired into this command line yet; use a subcommand above");
        return 2;
    }
}
