using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Tests.Infrastructure;

/// <summary>Writes every log line to a file (the test bed's log), for diagnosing a failed test.</summary>
public sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly Lock gate = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (gate)
        {
            try
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
            catch (DirectoryNotFoundException)
            {
                // A host stopping in the background after its test bed was deleted: the test is over.
            }
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
