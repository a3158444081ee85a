using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain logs ID RUN PHASE [--follow]</c>: a phase's captured output, its stdout on stdout and
/// its stderr on stderr; <c>--follow</c> keeps printing what the phase writes until it ends.
/// </summary>
public static class LogsCommand
{
    public const string Usage = """
        usage: drain logs ID RUN PHASE [--follow] [--endpoint URL [--key KEY]]
                                   the captured output of phase RUN/PHASE in session ID (its stdout on stdout, its
                                   stderr on stderr); --follow: keep printing until the phase ends (Ctrl-C stops)
        """;

    /// <summary>How often a followed log is read again.</summary>
    public static TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

    public static LogsArgs Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--follow" });
        var follow = reader.Has("--follow");
        var endpoint = DrainEndpoint.Read(reader);
        reader.RejectUnknown();
        var operands = DrainControl.Operands(reader, Usage, "ID", "RUN", "PHASE");
        return new LogsArgs(DrainControl.SessionOperand(operands[0]), DrainControl.IdOperand("RUN", operands[1]), DrainControl.IdOperand("PHASE", operands[2]), follow, endpoint);
    }

    public static async Task<int> RunAsync(LogsArgs args, TextWriter stdout, TextWriter stderr, Interrupts interrupts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(interrupts);
        return await DrainControl.RunAsync(args.Endpoint, stderr, drains => PrintAsync(args, drains, stdout, stderr, interrupts, cancellationToken));
    }

    /// <summary>Prints the log from its start; following, prints what comes after until the phase ends.</summary>
    private static async Task<int> PrintAsync(LogsArgs args, IDrainControl drains, TextWriter stdout, TextWriter stderr, Interrupts interrupts, CancellationToken cancellationToken)
    {
        long stdoutAt = 0, stderrAt = 0;
        while (true)
        {
            var log = await drains.ReadLogAsync(args.SessionId, args.RunId, args.PhaseId, stdoutAt, stderrAt, cancellationToken);
            if (log is null)
            {
                stderr.WriteLine($"drain logs: no log of phase {args.RunId}/{args.PhaseId} in session {args.SessionId}");
                return 1;
            }

            stdout.Write(log.Stdout);
            stderr.Write(log.Stderr);
            (stdoutAt, stderrAt) = (log.StdoutNext, log.StderrNext);
            if (!args.Follow || !log.Running)
            {
                return 0;
            }

            if (interrupts.Count > 0)
            {
                return 130;
            }

            await stdout.FlushAsync(cancellationToken);
            await Task.Delay(FollowInterval, cancellationToken);
        }
    }
}
