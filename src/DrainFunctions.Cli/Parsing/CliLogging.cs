using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// The structured logs (ILogger) of the local durable host, its activities and <c>drain serve</c>:
/// thrown away unless <c>--log-level</c> or <c>--verbose</c> asks for them, then written to
/// stderr, one line each (or one JSON object a line with <c>--log-format json</c>), without colour
/// when <c>NO_COLOR</c> is set or stderr is not a terminal; sent over OTLP too when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (<see cref="CliTelemetry"/>).
/// </summary>
public static class CliLogging
{
    private static readonly AsyncLocal<ILoggerFactory?> CurrentFactory = new();

    /// <summary>The logger factory of this command (a null one when logs are not asked for).</summary>
    public static ILoggerFactory Current => CurrentFactory.Value ?? NullLoggerFactory.Instance;

    /// <summary>Whether <c>NO_COLOR</c> is set to anything (https://no-color.org).</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>
    /// Logs at <paramref name="level"/> and above to stderr until disposed (null: none), and to OTLP
    /// (from <paramref name="level"/>, else information) when an endpoint is set.
    /// </summary>
    public static IDisposable Start(LogLevel? level, bool json = false)
    {
        var console = level is { } asked && asked != LogLevel.None;
        var otlp = CliTelemetry.Enabled;
        if (!console && !otlp)
        {
            CurrentFactory.Value = null;
            return new Scope(null);
        }

        var minimum = console ? level!.Value : LogLevel.Information;

        // At information and above, ASP.NET Core's plumbing (`drain serve`: lines per request) is left out.
        var plumbing = minimum >= LogLevel.Information ? LogLevel.Warning : minimum;
        var factory = new ClosableLoggerFactory(LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(minimum).AddFilter("Microsoft.AspNetCore", plumbing);
            if (console)
            {
                logging.AddConsole(options =>
                {
                    options.LogToStandardErrorThreshold = LogLevel.Trace;
                    options.FormatterName = json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple;
                });
                if (json)
                {
                    logging.AddJsonConsole(format =>
                    {
                        format.IncludeScopes = true;
                        format.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                        format.UseUtcTimestamp = true;
                        format.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                    });
                }
                else
                {
                    logging.AddSimpleConsole(format =>
                    {
                        format.SingleLine = true;
                        format.TimestampFormat = "HH:mm:ss.fff ";
                        format.ColorBehavior = NoColor || Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
                    });
                }
            }

            if (otlp)
            {
                CliTelemetry.AddLogs(logging);
            }
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
