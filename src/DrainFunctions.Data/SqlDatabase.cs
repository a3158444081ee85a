using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DrainFunctions.Core.Selection;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace DrainFunctions.Data;

/// <summary>The database has no Autopack schema (or, for <c>db init</c>, already has one).</summary>
public sealed class BacklogSchemaException : Exception
{
    public BacklogSchemaException()
    {
    }

    public BacklogSchemaException(string message)
        : base(message)
    {
    }

    public BacklogSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The database refused the drain for good: wrong user or password, no such PostgreSQL database, or
/// a SQLite file that is not a database. Not retried; the message names the masked URL and what to fix.
/// </summary>
public sealed class BacklogAccessException : Exception
{
    public BacklogAccessException()
    {
    }

    public BacklogAccessException(string message)
        : base(message)
    {
    }

    public BacklogAccessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One database (PostgreSQL or SQLite): connections, retries, and the SQL that differs between the
/// two. Everything else (the queries themselves) is shared by the stores, the schema and the demo.
/// </summary>
internal abstract class SqlDatabase : IAsyncDisposable
{
    public const string TelemetryEstimation = "token_estimation_v2_events";
    public const string TelemetryEscalation = "token_budget_escalation_events";

    protected SqlDatabase(DatabaseUrl url, DatabaseRetry retry)
    {
        Url = url;
        Retrier = new Retrier(retry, url.Masked);
    }

    public DatabaseUrl Url { get; }

    public Retrier Retrier { get; }

    public abstract DatabaseKind Kind { get; }

    /// <summary>
    /// Whether the planner turns a row comparison whose first member is the category expression
    /// into an index range (PostgreSQL does; SQLite only for plain columns).
    /// </summary>
    public virtual bool RowRangeOnExpressionIndex => true;

    /// <summary>SQL for "now" in a timestamp column.</summary>
    public abstract string Now { get; }

    public static SqlDatabase Create(DatabaseUrl url, BacklogStoreOptions? options = null) => url.Kind switch
    {
        DatabaseKind.PostgreSql => new PostgresDatabase(url, (options ?? BacklogStoreOptions.Default).Retry),
        _ => new SqliteDatabase(url, options ?? BacklogStoreOptions.Default),
    };

    /// <summary>Opens a connection; <paramref name="create"/> lets SQLite create a missing file.</summary>
    public abstract Task<DbConnection> OpenAsync(bool create, CancellationToken cancellationToken);

    public abstract Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken);

    /// <summary>The failure category computed from <c>last_failure_reason</c> (0..5, <see cref="PhaseCategory"/>).</summary>
    public abstract string CategoryExpression(string alias);

    /// <summary>A text column in code-point (byte) order.</summary>
    public abstract string Binary(string column);

    /// <summary>True when the text of <paramref name="column"/> starts with the parameter's value.</summary>
    public abstract string StartsWith(string column, string parameter);

    /// <summary>A predicate that keeps rows whose <c>run_id:phase_id</c> key is not in the parameter.</summary>
    public abstract string KeyNotIn(string alias, string parameter);

    public abstract void AddKeys(DbCommand command, string parameter, IEnumerable<string> keys);

    /// <summary>A parameter value for a timestamp column.</summary>
    public abstract object Timestamp(DateTime utc);

    /// <summary>The SQL list of in-flight states this database's state column can hold.</summary>
    public virtual Task<string> StateListAsync(IEnumerable<string> states, CancellationToken cancellationToken) =>
        Task.FromResult(string.Join(", ", states.Select(Literal)));

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Runs <paramref name="action"/> on a fresh connection, retrying transient failures.</summary>
    public Task<T> RunAsync<T>(string operation, Func<DbConnection, CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool create = false) =>
        Retrier.RunAsync(
            operation,
            async ct =>
            {
                var connection = await OpenAsync(create, ct).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    return await action(connection, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);

    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<long> ScalarLongAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Command(connection, sql, parameters);
        await using (command.ConfigureAwait(false))
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The shared CASE expression; <paramref name="contains"/> renders "reason contains needle".</summary>
    protected static string BuildCategory(string reason, Func<string, string> contains)
    {
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"(CASE WHEN {reason} IS NULL OR {reason} = '' THEN {(int)PhaseCategory.Unknown}");
        foreach (var (category, needles) in PhaseCategorizer.MatchRules)
        {
            sql.Append(" WHEN ").Append(string.Join(" OR ", needles.Select(n => contains(Literal(n)))))
                .Append(CultureInfo.InvariantCulture, $" THEN {(int)category}");
        }

        sql.Append(CultureInfo.InvariantCulture, $" ELSE {(int)PhaseCategory.Other} END)");
        return sql.ToString();
    }

    public abstract ValueTask DisposeAsync();
}

internal sealed class PostgresDatabase(DatabaseUrl url, DatabaseRetry retry) : SqlDatabase(url, retry)
{
    private readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(url.PostgresConnectionString!);
    private IReadOnlySet<string>? enumLabels;
    private bool stateTypeKnown;

    public override DatabaseKind Kind => DatabaseKind.PostgreSql;

    public override string Now => "now()";

    public NpgsqlDataSource DataSource => dataSource;

    public override async Task<DbConnection> OpenAsync(bool create, CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            // PostgreSQL's text names the user, never the password; the URL is shown masked.
            throw new BacklogAccessException($"Database {Url.Masked} refused the login: {ex.MessageText} ({ex.SqlState}); check the user name and password in DATABASE_URL", ex);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            throw new BacklogAccessException($"Database {Url.Masked} does not exist on its server: {ex.MessageText} ({ex.SqlState}); check the database name in DATABASE_URL, or create it", ex);
        }
    }

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken) =>
        await ScalarLongAsync(connection, "SELECT CASE WHEN to_regclass(@t) IS NULL THEN 0 ELSE 1 END", cancellationToken, ("t", table)).ConfigureAwait(false) == 1;

    // lower() under the "C" collation folds ASCII only, whatever the database's locale: the
    // keywords are ASCII, and Python's full lower() of a non-ASCII letter never yields a keyword.
    public override string CategoryExpression(string alias) =>
        BuildCategory($"{alias}last_failure_reason", needle => $"strpos(lower({alias}last_failure_reason COLLATE \"C\"), {needle}) > 0");

    public override string Binary(string column) => $"{column} COLLATE \"C\"";

    public override string StartsWith(string column, string parameter) => $"left({column}, length(@{parameter})) = @{parameter}";

    public override string KeyNotIn(string alias, string parameter) => $"({alias}run_id || ':' || {alias}phase_id) <> ALL(@{parameter})";

    public override void AddKeys(DbCommand command, string parameter, IEnumerable<string> keys) =>
        command.Parameters.Add(new NpgsqlParameter(parameter, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.ToArray() });

    public override object Timestamp(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc);

    /// <summary>
    /// When <c>phases.state</c> is a native enum, a literal the enum lacks would be an error: keep
    /// only the labels it has (text columns take every state).
    /// </summary>
    public override async Task<string> StateListAsync(IEnumerable<string> states, CancellationToken cancellationToken)
    {
        if (!stateTypeKnown)
        {
            enumLabels = await RunAsync(
                "reading the type of phases.state",
                async (connection, ct) =>
                {
                    const string sql = """
                        SELECT e.enumlabel FROM pg_attribute a
                        JOIN pg_type t ON t.oid = a.atttypid
                        JOIN pg_enum e ON e.enumtypid = t.oid
                        WHERE a.attrelid = to_regclass('phases') AND a.attname = 'state' AND t.typtype = 'e'
                        """;
                    var labels = new HashSet<string>(StringComparer.Ordinal);
                    var command = Command(connection, sql);
                    await using (command.ConfigureAwait(false))
                    {
                        var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(ct).ConfigureAwait(false))
                            {
                                labels.Add(reader.GetString(0));
                            }
                        }
                    }

                    return labels.Count == 0 ? null : (IReadOnlySet<string>)labels;
                },
                cancellationToken).ConfigureAwait(false);
            stateTypeKnown = true;
        }

        var kept = states.Where(s => enumLabels is null || enumLabels.Contains(s)).Select(Literal).ToList();
        return kept.Count == 0 ? "NULL" : string.Join(", ", kept);
    }

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}

internal sealed class SqliteDatabase : SqlDatabase
{
    private const int SqliteCorrupt = 11;
    private const int SqliteCannotOpen = 14;
    private const int SqliteNotADatabase = 26;

    private readonly string connectionString;
    private readonly string createConnectionString;
    private readonly int busyTimeoutMilliseconds;
    private bool walChecked;

    public SqliteDatabase(DatabaseUrl url, BacklogStoreOptions options)
        : base(url, options.Retry)
    {
        busyTimeoutMilliseconds = (int)options.SqliteBusyTimeout.TotalMilliseconds;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = url.SqlitePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds)),
        };
        connectionString = builder.ConnectionString;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        createConnectionString = builder.ConnectionString;
    }

    public override DatabaseKind Kind => DatabaseKind.Sqlite;

    public override bool RowRangeOnExpressionIndex => false;

    /// <summary>The text form SQLAlchemy stores in SQLite DATETIME columns.</summary>
    public override string Now => "strftime('%Y-%m-%d %H:%M:%f', 'now')";

    public override async Task<DbConnection> OpenAsync(bool create, CancellationToken cancellationToken)
    {
        if (!create && !File.Exists(Url.SqlitePath))
        {
            throw new BacklogSchemaException($"SQLite database {Url.Masked} does not exist ({Url.SqlitePath}); create it with `drain db init`");
        }

        var connection = new SqliteConnection(create ? createConnectionString : connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"PRAGMA busy_timeout = {busyTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
            if (!walChecked)
            {
                // WAL lets the drain read while the executor writes; the mode is stored in the file.
                await ExecuteAsync(connection, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
                walChecked = true;
            }

            return connection;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteNotADatabase or SqliteCorrupt or SqliteCannotOpen)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var what = ex.SqliteErrorCode switch
            {
                SqliteNotADatabase => "is a file that is not a database",
                SqliteCorrupt => "is corrupt",
                _ => "cannot be opened",
            };
            throw new BacklogAccessException($"SQLite database {Url.Masked} ({Url.SqlitePath}) {what} (SQLite error {ex.SqliteErrorCode}); check DATABASE_URL", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken cancellationToken) =>
        await ScalarLongAsync(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @t", cancellationToken, ("t", table)).ConfigureAwait(false) > 0;

    // SQLite's built-in lower() folds ASCII only (no ICU in the bundled library).
    public override string CategoryExpression(string alias) =>
        BuildCategory($"{alias}last_failure_reason", needle => $"instr(lower({alias}last_failure_reason), {needle}) > 0");

    public override string Binary(string column) => column;

    public override string StartsWith(string column, string parameter) => $"substr({column}, 1, length(@{parameter})) = @{parameter}";

    public override string KeyNotIn(string alias, string parameter) => $"({alias}run_id || ':' || {alias}phase_id) NOT IN (SELECT value FROM json_each(@{parameter}))";

    public override void AddKeys(DbCommand command, string parameter, IEnumerable<string> keys) =>
        command.Parameters.Add(new SqliteParameter(parameter, JsonSerializer.Serialize(keys.ToArray())));

    public override object Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
