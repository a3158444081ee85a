using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// The structured logs (ILogger) of the local durable host, its activities and <c>drain serve</c>:
/// thrown away unless <c>--log-level</c> or <c>--verbose</c> asks for them, then written to
/// stderr, one line each, without colour when <c>NO_COLOR</c> is set or stderr is not a terminal.
/// </summary>
public static class CliLogging
{
    private static readonly AsyncLocal<ILoggerFactory?> CurrentFactory = new();

    /// <summary>The logger factory of this command (a null one when logs are not asked for).</summary>
    public static ILoggerFactory Current => CurrentFactory.Value ?? NullLoggerFactory.Instance;

    /// <summary>Whether <c>NO_COLOR</c> is set to anything (https://no-color.org).</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Logs at <paramref name="level"/> and above to stderr until disposed; null: none.</summary>
    public static IDisposable Start(LogLevel? level)
    {
        if (level is not { } minimum || minimum == LogLevel.None)
        {
            CurrentFactory.Value = null;
            return new Scope(null);
        }

        // At information and above, the in-process sidecar's HTTP/2 plumbing (a line per gRPC call) is left out.
        var plumbing = minimum >= LogLevel.Information ? LogLevel.Warning : minimum;
        var factory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(minimum)
            .AddFilter("Microsoft.AspNetCore", plumbing)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(format =>
            {
                format.SingleLine = true;
                format.TimestampFormat = "HH:mm:ss.fff ";
                format.ColorBehavior = NoColor || Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
            }));
        CurrentFactory.Value = factory;
        return new Scope(factory);
    }

    private sealed class Scope(ILoggerFactory? factory) : IDisposable
    {
        public void Dispose()
        {
            CurrentFactory.Value = null;
            factory?.Dispose();
        }
    }
}
