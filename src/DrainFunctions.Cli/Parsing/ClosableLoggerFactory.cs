using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// A logger factory whose loggers go quiet once it is disposed. The console provider writes a
/// message that comes after its disposal synchronously on the caller's thread, and the durable
/// engine's background loops still log while the process exits: such a write, cut off by the exit
/// after the console's first 256-character flush, left half a JSON line on stderr. Disposal closes
/// the gate first, waits for the calls already inside it, then disposes the inner factory (which
/// writes out its queue): after that no message reaches a provider.
/// </summary>
public sealed class ClosableLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private int inside;
    private int closed;

    public ILogger CreateLogger(string categoryName) => new GatedLogger(this, inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        Interlocked.Exchange(ref closed, 1);
        var wait = new SpinWait();
        while (Volatile.Read(ref inside) > 0)
        {
            wait.SpinOnce();
        }

        inner.Dispose();
    }

    private bool TryEnter()
    {
        // The count is raised before the flag is read, and the flag set before the count is read,
        // each with a full fence (Interlocked): either the call sees the gate closed or Dispose
        // sees the call inside.
        Interlocked.Increment(ref inside);
        if (Volatile.Read(ref closed) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref inside);
        return false;
    }

    private void Exit() => Interlocked.Decrement(ref inside);

    private sealed class GatedLogger(ClosableLoggerFactory gate, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Volatile.Read(ref gate.closed) == 0 && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!gate.TryEnter())
            {
                return;
            }

            try
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
            finally
            {
                gate.Exit();
            }
        }
    }
}
