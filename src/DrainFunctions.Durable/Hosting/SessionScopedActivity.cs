using DrainFunctions.Durable.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Runs an activity inside a logging scope naming its session (<see cref="DrainLogs.BeginSession"/>),
/// so that every log line it writes, through any logger of the host, carries the session id.
/// </summary>
internal sealed class SessionScopedActivity(ITaskActivity inner, ILogger scopeLogger) : ITaskActivity
{
    public Type InputType => inner.InputType;

    public Type OutputType => inner.OutputType;

    /// <summary>The activity <typeparamref name="TActivity"/> from the container, wrapped.</summary>
    public static ITaskActivity Create<TActivity>(IServiceProvider services)
        where TActivity : class, ITaskActivity
    {
        var loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        return new SessionScopedActivity(ActivatorUtilities.GetServiceOrCreateInstance<TActivity>(services), loggers.CreateLogger<TActivity>());
    }

    public async Task<object?> RunAsync(TaskActivityContext context, object? input)
    {
        using var scope = DrainLogs.BeginSession(scopeLogger, DrainLogs.SessionOf(input));
        return await inner.RunAsync(context, input);
    }
}
