using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli;

/// <summary>
/// Runs <c>drain ...</c>: parses with the command tree of <see cref="CliCommands"/>, then maps what
/// went wrong to the exit codes: 2 and <c>drain: error: ...</c> for bad usage, 1 for failures
/// (with a resume hint when the infrastructure failed), 130 after Ctrl-C (the drain's own).
/// </summary>
public static class DrainCli
{
    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdin, stdout, stderr, new Interrupts()).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        var root = CliCommands.Build(new CliContext(stdin, stdout, stderr, interrupts));
        var parsed = root.Parse(args, FlagParsing.Configuration);
        try
        {
            if (args.Count > 0 && !args[0].StartsWith('-') && !root.Subcommands.Any(c => c.Name == args[0]) && !args[0].StartsWith('[') && !FlagParsing.ClearsErrors(parsed))
            {
                var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => $"'{c.Name}'");
                throw new UsageException($"argument command: invalid choice: '{FlagError.Shorten(args[0])}' (choose from {string.Join(", ", commands)}, or drain flags such as --batch-size)");
            }

            if (!FlagParsing.ClearsErrors(parsed) && ParseErrorText.Describe(parsed, args) is { } message)
            {
                FlagParsing.WriteUsageError(stderr, parsed, message);
                return 2;
            }

            using var telemetry = CliTelemetry.Start();
            using var logging = CliLogging.Start(GlobalFlags.Level(parsed), GlobalFlags.Json(parsed));
            return await parsed.InvokeAsync(FlagParsing.Invocation(stdout, stderr));
        }
        catch (UsageException ex)
        {
            FlagParsing.WriteUsageError(stderr, null, ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is NotFoundException or Commands.RemoteAnswerException)
        {
            // Not found, or an HTTP API answer the command cannot use (a 401, say): one line, exit 1.
            stderr.WriteLine($"drain: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is DrainFunctions.Data.BacklogAccessException or DrainFunctions.Data.BacklogSchemaException)
        {
            // The database refused us or is not Autopack's (nothing started): one line naming it, masked.
            stderr.WriteLine($"drain: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (IsInfrastructure(ex))
        {
            // Infrastructure trouble: say what failed, without a stack trace; durable state stays resumable.
            stderr.WriteLine($"drain: {ex.Message}");
            stderr.WriteLine("drain: the session, if one started, is saved; continue it with: drain --resume");
            return 1;
        }
    }

    /// <summary>
    /// Failures of what the drain runs on (the durable host, storage, the database server, the
    /// network), also when wrapped with what was being done; never a failure of its own code: a bug
    /// keeps its stack trace so that it gets fixed.
    /// </summary>
    public static bool IsInfrastructure(Exception exception) => exception is Azure.RequestFailedException
        or DrainFunctions.Data.BacklogUnavailableException
        or HttpRequestException
        or DrainFunctions.LocalHost.StorageUnavailableException
        || (exception?.InnerException is { } inner && IsInfrastructure(inner));
}
