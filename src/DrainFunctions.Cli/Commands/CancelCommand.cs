using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;
using DrainFunctions.Durable.Api;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain cancel ID [--now]</c>: what the HTTP cancel does. Graceful: the drain finishes its
/// current phase, then stops; <c>--now</c>: the current phase is stopped and restored to FAILED.
/// </summary>
public static class CancelCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = DrainControl.SessionArgument();
        var now = Flag.Switch("--now", "stop the current phase too and restore it to FAILED (default: let it finish)");
        var endpoint = new EndpointFlags();
        var command = new Command("cancel", "stop the drain of session ID after its current phase; the session stays resumable") { id, now };
        endpoint.AddTo(command);
        command.SetAction(async (parsed, token) => await RunAsync(
            new CancelArgs(DrainControl.SessionOperand(parsed.GetValue(id) ?? string.Empty), parsed.GetValue(now), endpoint.Read(parsed)),
            context.Stdout,
            context.Stderr,
            token));
        return CommandHelp.WithExamples(
            command,
            "drain cancel batch-drain-20251228-060007",
            "drain cancel batch-drain-20251228-060007 --now",
            "drain --resume                          # continue it later");
    }

    public static async Task<int> RunAsync(CancelArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return await DrainControl.RunAsync(args.Endpoint, stderr, async drains => Report(args, await drains.CancelAsync(args.SessionId, args.Now, cancellationToken), stdout, stderr));
    }

    private static int Report(CancelArgs args, DrainCancel cancel, TextWriter stdout, TextWriter stderr)
    {
        switch (cancel.Status)
        {
            case DrainCancelStatus.NotFound:
                stderr.WriteLine($"drain cancel: session {args.SessionId} not found");
                return 1;
            case DrainCancelStatus.NotRunning:
                stderr.WriteLine($"drain cancel: session {args.SessionId} is not running ({cancel.RuntimeStatus})");
                return 1;
            default:
                stdout.WriteLine(args.Now
                    ? $"Cancel requested (now): session {args.SessionId} stops its current phase, restores it and stops"
                    : $"Cancel requested (graceful): session {args.SessionId} stops after its current phase");
                return 0;
        }
    }
}
