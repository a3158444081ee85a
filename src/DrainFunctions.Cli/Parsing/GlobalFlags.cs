using System.CommandLine;
using DrainFunctions.Flags;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Parsing;

/// <summary>Flags every command takes: how much of the structured logs to show on stderr.</summary>
public static class GlobalFlags
{
    public const string LogLevelName = "--log-level";
    public const string VerboseName = "--verbose";
    public const string LogFormatName = "--log-format";
    public const string JsonFormat = "json";

    public static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "critical", "none"];

    public static readonly string[] Formats = ["text", JsonFormat];

    public static void AddTo(Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var logLevel = Flag.Choice(LogLevelName, "show the structured logs (local durable host, activities, serve) on stderr from this level up (default: none)", Levels);
        var verbose = Flag.Switch(VerboseName, "the same as --log-level information");
        var logFormat = Flag.Choice(LogFormatName, "how those logs are written: text (one line each) or json (one JSON object a line) (default: text)", Formats);
        logLevel.Recursive = true;
        verbose.Recursive = true;
        logFormat.Recursive = true;
        root.Options.Add(logLevel);
        root.Options.Add(verbose);
        root.Options.Add(logFormat);
    }

    /// <summary>Whether <c>--log-format json</c> was given.</summary>
    public static bool Json(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.GetValue<string?>(LogFormatName) == JsonFormat;
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
