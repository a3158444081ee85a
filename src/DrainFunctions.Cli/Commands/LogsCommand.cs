using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;
using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain logs ID RUN PHASE [--follow]</c>: a phase's captured output, its stdout on stdout and
/// its stderr on stderr; <c>--follow</c> keeps printing what the phase writes until it ends.
/// </summary>
public static class LogsCommand
{
    /// <summary>How often a followed log is read again.</summary>
    public static TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = DrainControl.SessionArgument();
        var run = new Argument<string>("RUN") { Description = "the phase's run id" };
        var phase = new Argument<string>("PHASE") { Description = "the phase id" };
        var follow = Flag.Switch("--follow", "keep printing what the phase writes until it ends (Ctrl-C stops)");
        var endpoint = new EndpointFlags();
        var command = new Command("logs", "the captured output of phase RUN/PHASE in session ID: its stdout on stdout, its stderr on stderr") { id, run, phase, follow };
        endpoint.AddTo(command);
        command.SetAction(async (parsed, token) => await RunAsync(
            new LogsArgs(
                DrainControl.SessionOperand(parsed.GetValue(id) ?? string.Empty),
                DrainControl.IdOperand("RUN", parsed.GetValue(run) ?? string.Empty),
                DrainControl.IdOperand("PHASE", parsed.GetValue(phase) ?? string.Empty),
                parsed.GetValue(follow),
                endpoint.Read(parsed)),
            context.Stdout,
            context.Stderr,
            context.Interrupts,
            token));
        return CommandHelp.WithExamples(
            command,
            "drain logs batch-drain-20251228-060007 build-112 phase-3",
            "drain logs batch-drain-20251228-060007 build-112 phase-3 --follow");
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
