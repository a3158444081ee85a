using System.Net.Sockets;
using DrainFunctions.Core.Ports;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace DrainFunctions.Data;

/// <summary>
/// The database could not be reached or stayed busy through every retry. A
/// <see cref="DependencyUnavailableException"/>, so that the durable drain waits for it to come back.
/// </summary>
public sealed class BacklogUnavailableException : DependencyUnavailableException
{
    public BacklogUnavailableException()
    {
    }

    public BacklogUnavailableException(string message)
        : base(message)
    {
    }

    public BacklogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>How often and how patiently a transient failure is retried.</summary>
/// <param name="Attempts">Tries in all, the first included.</param>
/// <param name="InitialDelay">Wait before the second try; each further wait is four times longer.</param>
public sealed record DatabaseRetry(int Attempts, TimeSpan InitialDelay)
{
    /// <summary>4 tries, waiting 100 ms, 400 ms, then 1.6 s.</summary>
    public static DatabaseRetry Default { get; } = new(4, TimeSpan.FromMilliseconds(100));

    public TimeSpan DelayBefore(int attempt) => InitialDelay * Math.Pow(4, attempt - 2);
}

/// <summary>Which database errors are worth another try: connection loss, restarts, timeouts, locks.</summary>
public static class TransientErrors
{
    // Connection exceptions (08), admin/crash shutdown and "cannot connect now" (57P0x), resources (53),
    // serialization failure and deadlock (40001, 40P01), lock not available (55P03).
    private static readonly string[] TransientSqlStatePrefixes = ["08", "53", "57P01", "57P02", "57P03", "40001", "40P01", "55P03", "58000", "58030"];

    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case PostgresException pg:
                return TransientSqlStatePrefixes.Any(p => pg.SqlState.StartsWith(p, StringComparison.Ordinal));
            case NpgsqlException npgsql:
                return npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException;
            case SqliteException sqlite:
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with or without extended codes.
                return (sqlite.SqliteErrorCode & 0xFF) is 5 or 6;
            case SocketException or TimeoutException:
                return true;
            default:
                return false;
        }
    }
}

/// <summary>Runs a database operation, retrying transient failures with exponential backoff.</summary>
internal sealed class Retrier(DatabaseRetry policy, string database)
{
    public DatabaseRetry Policy => policy;

    public async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && TransientErrors.IsTransient(ex))
            {
                if (attempt >= policy.Attempts)
                {
                    throw new BacklogUnavailableException(
                        $"Database {database} is unavailable: {operation} failed {attempt} times ({Describe(ex)})", ex);
                }

                await Task.Delay(policy.DelayBefore(attempt + 1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        SqliteException sqlite => $"SQLite error {sqlite.SqliteErrorCode}: {sqlite.Message}",
        _ => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message,
    };
}
