using System.Collections.Concurrent;
using DrainFunctions.Cli.Parsing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// The command's logger factory goes quiet when disposed: a background loop of the durable engine
/// that logs while the process exits must not start a console write the exit cuts in half.
/// </summary>
public sealed partial class ClosableLoggerFactoryTests
{
    [Fact]
    public void Log_AfterDispose_ReachesNoProvider()
    {
        // Made by the container, as the console provider is, so that disposing the factory disposes it.
        var sink = new RecordingProvider();
        var factory = new ClosableLoggerFactory(LoggerFactory.Create(logging => logging.Services.AddSingleton<ILoggerProvider>(_ => sink)));
        var logger = factory.CreateLogger("test");

        Say(logger, "before");
        factory.Dispose();
        Say(logger, "after");

        Assert.Equal(["before"], sink.Messages);
        Assert.True(sink.Disposed);
        Assert.False(logger.IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task Dispose_WhileOtherThreadsLog_NoMessageReachesTheProviderAfterItsDisposal()
    {
        // Made by the container, as the console provider is, so that disposing the factory disposes it.
        var sink = new RecordingProvider();
        var factory = new ClosableLoggerFactory(LoggerFactory.Create(logging => logging.Services.AddSingleton<ILoggerProvider>(_ => sink)));
        using var stop = new CancellationTokenSource();
        var loggers = Enumerable.Range(0, 4).Select(i => factory.CreateLogger("thread" + i)).ToList();
        var logging = loggers.Select(logger => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Say(logger, "busy");
            }
        })).ToList();
        SpinWait.SpinUntil(() => sink.Queue.Count > 1_000, TimeSpan.FromSeconds(10));

        factory.Dispose();
        Thread.Sleep(50);
        await stop.CancelAsync();
        await Task.WhenAll(logging);

        Assert.True(sink.Queue.Count > 1_000);
        Assert.Equal(0, sink.AfterDisposal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Text}")]
    private static partial void Say(ILogger logger, string text);

    private sealed class RecordingProvider : ILoggerProvider
    {
        private volatile bool disposed;
        private int afterDisposal;

        public ConcurrentQueue<string> Queue { get; } = new();

        public List<string> Messages => [.. Queue];

        public bool Disposed => disposed;

        public int AfterDisposal => Volatile.Read(ref afterDisposal);

        public ILogger CreateLogger(string categoryName) => new Recorder(this);

        public void Dispose() => disposed = true;

        private sealed class Recorder(RecordingProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (provider.disposed)
                {
                    Interlocked.Increment(ref provider.afterDisposal);
                }

                provider.Queue.Enqueue(formatter(state, exception));
            }
        }
    }
}
