using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain watch ID</c>: attaches to a drain and prints its progress lines as <c>drain</c> does,
/// then its summary; exit 0 when no phase failed, 1 otherwise. Watching runs none of the drain's
/// work (a drain whose host is gone goes on with <c>drain --resume</c>), and Ctrl-C stops watching,
/// not the drain (exit 130).
/// </summary>
public static class WatchCommand
{
    public const string Usage = """
        usage: drain watch ID [--endpoint URL [--key KEY]]
                                   print the progress lines of session ID's drain as drain does, until it ends, then
                                   its summary (Ctrl-C stops watching; the drain goes on)
        """;

    public static WatchArgs Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, new HashSet<string>());
        var endpoint = DrainEndpoint.Read(reader);
        reader.RejectUnknown();
        var operands = DrainControl.Operands(reader, Usage, "ID");
        return new WatchArgs(DrainControl.SessionOperand(operands[0]), endpoint);
    }

    public static async Task<int> RunAsync(WatchArgs args, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Endpoint is { } endpoint)
        {
            using var http = endpoint.CreateClient();
            return await RemoteDrain.WatchAsync(http, args.SessionId, stdout, stdout, stderr, interrupts, detachOnInterrupt: true);
        }

        await using var local = await LocalDrainControl.ConnectAsync(stderr);
        if (local is null)
        {
            return 1;
        }

        if (await local.Drains.FindInstanceAsync(args.SessionId) is not { } instance)
        {
            stderr.WriteLine(await local.Drains.Sessions.LoadAsync(args.SessionId) is { } session
                ? $"drain: session {args.SessionId} is not running ({(session.IsComplete ? "complete" : "incomplete; continue it with: drain --resume")})"
                : $"drain: session {args.SessionId} not found");
            return 1;
        }

        return await DrainCommand.WatchToEndAsync(local.Drains, instance.InstanceId, stdout, stdout, stderr, interrupts, detachOnInterrupt: true);
    }
}
