using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;
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
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var id = DrainControl.SessionArgument();
        var endpoint = new EndpointFlags();
        var command = new Command("watch", "print the progress lines of the drain of session ID, as drain does, until it ends (Ctrl-C stops watching and leaves the drain running)") { id };
        endpoint.AddTo(command);
        command.SetAction(async (parsed, _) => await RunAsync(
            new WatchArgs(DrainControl.SessionOperand(parsed.GetValue(id) ?? string.Empty), endpoint.Read(parsed)),
            context.Stdout,
            context.Stderr,
            context.Interrupts));
        return CommandHelp.WithExamples(
            command,
            "drain watch batch-drain-20251228-060007",
            "DRAIN_API_KEY=... drain watch batch-drain-20251228-060007 --endpoint https://app.azurewebsites.net");
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
