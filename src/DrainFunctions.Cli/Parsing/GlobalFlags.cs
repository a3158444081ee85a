using System.CommandLine;
using DrainFunctions.Flags;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Parsing;

/// <summary>Flags every command takes: how much of the structured logs to show on stderr.</summary>
public static class GlobalFlags
{
    public const string LogLevelName = "--log-level";
    public const string VerboseName = "--verbose";

    public static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    public static void AddTo(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var logLevel = Flag.Choice(LogLevelName, "show the structured logs (local durable host, activities, serve) on stderr from this level up (default: none)", Levels);
        var verbose = Flag.Switch(VerboseName, "the same as --log-level information");
        logLevel.Recursive = true;
        verbose.Recursive = true;
        root.Options.Add(logLevel);
        root.Options.Add(verbose);
    }

    /// <summary>The level asked for: <c>--log-level</c>, else information with <c>--verbose</c>, else none.</summary>
    public static LogLevel? Level(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        if (parsed.GetValue<string?>(LogLevelName) is { } name)
        {
            return Enum.Parse<LogLevel>(name, ignoreCase: true);
        }

        return parsed.GetValue<bool>(VerboseName) ? LogLevel.Information : null;
    }
}
