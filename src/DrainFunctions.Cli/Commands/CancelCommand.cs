using DrainFunctions.Durable.Api;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain cancel ID [--now]</c>: what the HTTP cancel does. Graceful: the drain finishes its
/// current phase, then stops; <c>--now</c>: the current phase is stopped and restored to FAILED.
/// </summary>
public static class CancelCommand
{
    public const string Usage = """
        usage: drain cancel ID [--now] [--endpoint URL [--key KEY]]
                                   stop the drain of session ID after its current phase (--now: stop the current
                                   phase too and restore it to FAILED); the session stays resumable
        """;

    public static CancelArgs Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--now" });
        var now = reader.Has("--now");
        var endpoint = DrainEndpoint.Read(reader);
        reader.RejectUnknown();
        var operands = DrainControl.Operands(reader, Usage, "ID");
        return new CancelArgs(DrainControl.SessionOperand(operands[0]), now, endpoint);
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
