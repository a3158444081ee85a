using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Data;

/// <summary>Tuning for a store; the defaults suit production.</summary>
public sealed record BacklogStoreOptions
{
    public static BacklogStoreOptions Default { get; } = new();

    public DatabaseRetry Retry { get; init; } = DatabaseRetry.Default;

    /// <summary>Rows per keyset page after the first.</summary>
    public int PageSize { get; init; } = 64;

    /// <summary>Rows of the first page: most picks stop at its first rows.</summary>
    public int FirstPageSize { get; init; } = 16;

    /// <summary>SQLite: how long a statement waits on a lock held by another connection before it fails (and is retried).</summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>SQLite: the command timeout (Microsoft.Data.Sqlite also retries SQLITE_BUSY until it ends).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The backlog in SQL, shared by <see cref="PostgresBacklogStore"/> and <see cref="SqliteBacklogStore"/>:
/// candidates come page by page with keyset pagination in the policy's order, so a pick reads
/// only the rows it needs through the index on that order.
/// </summary>
public abstract class SqlBacklogStore : IBacklogStore
{
    private static readonly string[] Restorable = [PhaseStates.Queued, PhaseStates.Executing];
    private readonly BacklogStoreOptions options;
    private readonly bool ownsDatabase;

    private protected SqlBacklogStore(SqlDatabase database, BacklogStoreOptions? options, bool ownsDatabase)
    {
        Database = database;
        this.options = options ?? BacklogStoreOptions.Default;
        this.ownsDatabase = ownsDatabase;
    }

    public string DisplayName => Database.Url.Masked;

    private protected SqlDatabase Database { get; }

    public Task<BacklogSummary> DescribeAsync(CancellationToken cancellationToken = default) =>
        DescribeAsync(Database, requireSchema: true, cancellationToken);

    internal static async Task<BacklogSummary> DescribeAsync(SqlDatabase database, bool requireSchema, CancellationToken cancellationToken)
    {
        var hasSchema = await database.RunAsync(
            "checking the schema",
            async (c, ct) => await database.TableExistsAsync(c, "runs", ct).ConfigureAwait(false) && await database.TableExistsAsync(c, "phases", ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        if (!hasSchema)
        {
            return requireSchema
                ? throw new BacklogSchemaException($"Database {database.Url.Masked} has no Autopack schema (tables runs and phases); create it with `drain db init`")
                : new BacklogSummary(database.Url.Masked, 0, 0, 0, 0, database.Url.Backlog);
        }

        var inFlight = await database.StateListAsync(PhaseStates.InFlight, cancellationToken).ConfigureAwait(false);
        var sql = $"""
            SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM phases),
                   (SELECT count(*) FROM phases WHERE state = 'FAILED'),
                   (SELECT count(*) FROM phases WHERE state IN ({inFlight}))
            """;
        return await database.RunAsync(
            "describing the backlog",
            async (connection, ct) =>
            {
                var command = SqlDatabase.Command(connection, sql);
                await using (command.ConfigureAwait(false))
                {
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(ct).ConfigureAwait(false);
                        return new BacklogSummary(database.Url.Masked, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), database.Url.Backlog);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<PhaseCandidate> StreamCandidatesAsync(CandidateQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var inFlight = await Database.StateListAsync(PhaseStates.InFlight, cancellationToken).ConfigureAwait(false);
        (int Category, int Index, string Run, string Phase)? after = null;
        var pageSize = Math.Max(1, options.FirstPageSize);
        while (true)
        {
            var page = await ReadPageAsync(query, inFlight, after, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var (candidate, _) in page)
            {
                yield return candidate;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            var (last, category) = page[^1];
            after = (category, last.PhaseIndex, last.RunId, last.PhaseId);
            pageSize = Math.Max(1, options.PageSize);
        }
    }

    /// <summary>
    /// <c>phase_index</c> as the policy orders it: some Autopack schemas leave the column nullable,
    /// and the Python tool takes a missing index as 0. Written the same everywhere (order, keyset,
    /// reads, and the index in <see cref="BacklogSchema"/>) so that NULL rows are neither lost by
    /// a keyset comparison nor sorted differently by PostgreSQL (NULLS LAST) and SQLite (NULLS FIRST).
    /// </summary>
    internal static string PhaseIndex(string alias) => $"COALESCE({alias}phase_index, 0)";

    /// <summary>The SQL of one page; public to let the benchmark EXPLAIN it.</summary>
    internal string PageSql(CandidateQuery query, string inFlight, bool hasAfter)
    {
        var db = Database;
        var category = db.CategoryExpression("p.");
        var tail = $"{PhaseIndex("p.")}, {db.Binary("p.run_id")}, {db.Binary("p.phase_id")}";
        var order = $"{category}, {tail}";
        var select = new StringBuilder();
        select.Append(CultureInfo.InvariantCulture, $"""
            SELECT p.run_id, p.phase_id, {PhaseIndex("p.")} AS phase_index, p.last_failure_reason, {category} AS category,
                   (SELECT CAST(q.state AS text) FROM phases q
                    WHERE q.run_id = p.run_id AND q.state IN ({inFlight})
                    ORDER BY {PhaseIndex("q.")}, {db.Binary("q.phase_id")} LIMIT 1) AS in_flight
            FROM phases p
            WHERE p.state = 'FAILED'
            """);
        if (query.RunId is not null)
        {
            select.Append("\n  AND p.run_id = @run");
        }

        for (var i = 0; i < query.SkipRunPrefixes.Count; i++)
        {
            select.Append(CultureInfo.InvariantCulture, $"\n  AND NOT ({db.StartsWith("p.run_id", $"prefix{i}")})");
        }

        if (query.ExcludedKeys.Count > 0)
        {
            select.Append("\n  AND ").Append(db.KeyNotIn("p.", "excluded"));
        }

        if (!hasAfter)
        {
            return $"{select}\nORDER BY {order}\nLIMIT @limit";
        }

        const string afterTail = "(@after_index, @after_run, @after_phase)";
        if (db.RowRangeOnExpressionIndex)
        {
            return $"{select}\n  AND ({order}) > (@after_category, {afterTail[1..]}\nORDER BY {order}\nLIMIT @limit";
        }

        // SQLite turns a row comparison into an index range only over plain columns, and the
        // first two members of the order are expressions: the rest of the current phase index, the
        // rest of the current category and the categories after it are three ranges of the index.
        var index = PhaseIndex("p.");
        var names = $"({db.Binary("p.run_id")}, {db.Binary("p.phase_id")})";
        return $"""
            SELECT * FROM ({select}
              AND {category} = @after_category AND {index} = @after_index AND {names} > (@after_run, @after_phase)
            ORDER BY {tail} LIMIT @limit)
            UNION ALL
            SELECT * FROM ({select}
              AND {category} = @after_category AND {index} > @after_index
            ORDER BY {tail} LIMIT @limit)
            UNION ALL
            SELECT * FROM ({select}
              AND {category} > @after_category
            ORDER BY {order} LIMIT @limit)
            ORDER BY category, phase_index, run_id, phase_id
            LIMIT @limit
            """;
    }

    internal DbCommand PageCommand(DbConnection connection, CandidateQuery query, string inFlight, (int Category, int Index, string Run, string Phase)? after, int limit)
    {
        var command = SqlDatabase.Command(connection, PageSql(query, inFlight, after is not null), ("limit", limit));
        if (after is { } a)
        {
            AddParameter(command, "after_category", a.Category);
            AddParameter(command, "after_index", a.Index);
            AddParameter(command, "after_run", a.Run);
            AddParameter(command, "after_phase", a.Phase);
        }

        if (query.RunId is not null)
        {
            AddParameter(command, "run", query.RunId);
        }

        for (var i = 0; i < query.SkipRunPrefixes.Count; i++)
        {
            AddParameter(command, $"prefix{i}", query.SkipRunPrefixes[i]);
        }

        if (query.ExcludedKeys.Count > 0)
        {
            Database.AddKeys(command, "excluded", query.ExcludedKeys);
        }

        return command;
    }

    private Task<List<(PhaseCandidate Candidate, int Category)>> ReadPageAsync(CandidateQuery query, string inFlight, (int, int, string, string)? after, int limit, CancellationToken cancellationToken) =>
        Database.RunAsync(
            "reading FAILED phases",
            async (connection, ct) =>
            {
                var page = new List<(PhaseCandidate, int)>(limit);
                var command = PageCommand(connection, query, inFlight, after, limit);
                await using (command.ConfigureAwait(false))
                {
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            var candidate = new PhaseCandidate(
                                reader.GetString(0),
                                reader.GetString(1),
                                Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture),
                                reader.IsDBNull(3) ? null : reader.GetString(3),
                                reader.IsDBNull(5) ? null : reader.GetString(5));
                            page.Add((candidate, Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture)));
                        }
                    }
                }

                return page;
            },
            cancellationToken);

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public Task<long> CountQueuedAsync(CancellationToken cancellationToken = default) =>
        Database.RunAsync(
            "counting QUEUED phases",
            (connection, ct) => SqlDatabase.ScalarLongAsync(connection, "SELECT count(*) FROM phases WHERE state = 'QUEUED'", ct),
            cancellationToken);

    public Task<PhaseRecord?> GetPhaseAsync(string runId, string phaseId, CancellationToken cancellationToken = default) =>
        Database.RunAsync("reading a phase", (c, ct) => ReadPhaseAsync(c, runId, phaseId, ct), cancellationToken);

    private static async Task<PhaseRecord?> ReadPhaseAsync(DbConnection connection, string runId, string phaseId, CancellationToken cancellationToken)
    {
        var sql = $"SELECT run_id, phase_id, {PhaseIndex(string.Empty)}, CAST(state AS text), last_failure_reason FROM phases WHERE run_id = @run AND phase_id = @phase";
        var command = SqlDatabase.Command(connection, sql, ("run", runId), ("phase", phaseId));
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new PhaseRecord(
                    reader.GetString(0),
                    reader.GetString(1),
                    Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }
    }

    public Task<RequeueOutcome> TryRequeueAsync(string runId, string phaseId, CancellationToken cancellationToken = default)
    {
        // One conditional UPDATE: of two drains racing for the phase, exactly one sees a row change.
        var sql = $"UPDATE phases SET state = 'QUEUED', updated_at = {Database.Now} WHERE run_id = @run AND phase_id = @phase AND state = 'FAILED'";
        return Database.RunAsync(
            "re-queueing a phase",
            async (connection, ct) =>
            {
                var changed = await SqlDatabase.ExecuteAsync(connection, sql, ct, ("run", runId), ("phase", phaseId)).ConfigureAwait(false);
                if (changed == 1)
                {
                    return new RequeueOutcome(RequeueStatus.Requeued, PhaseStates.Queued);
                }

                var current = await ReadPhaseAsync(connection, runId, phaseId, ct).ConfigureAwait(false);
                return current is null
                    ? new RequeueOutcome(RequeueStatus.NotFound, null)
                    : new RequeueOutcome(RequeueStatus.NotFailed, current.State);
            },
            cancellationToken);
    }

    public async Task<bool> RestoreToFailedAsync(string runId, string phaseId, string reason, CancellationToken cancellationToken = default)
    {
        var states = await Database.StateListAsync(Restorable, cancellationToken).ConfigureAwait(false);
        var sql = $"UPDATE phases SET state = 'FAILED', last_failure_reason = @reason, updated_at = {Database.Now} WHERE run_id = @run AND phase_id = @phase AND state IN ({states})";
        return await Database.RunAsync(
            "restoring a phase to FAILED",
            async (connection, ct) => await SqlDatabase.ExecuteAsync(connection, sql, ct, ("reason", reason), ("run", runId), ("phase", phaseId)).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<PhaseRecord?> WaitForSettledAsync(string runId, string phaseId, TimeSpan maxWait, TimeSpan pollInterval, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var phase = await GetPhaseAsync(runId, phaseId, cancellationToken).ConfigureAwait(false);
            if (phase is null || phase.State is not (PhaseStates.Queued or PhaseStates.Executing) || clock.Elapsed >= maxWait)
            {
                return phase;
            }

            var wait = maxWait - clock.Elapsed;
            await Task.Delay(wait < pollInterval ? wait : pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<long?> CountTelemetryAsync(string? runId = null, CancellationToken cancellationToken = default) =>
        Database.RunAsync<long?>(
            "counting telemetry",
            async (connection, ct) =>
            {
                // Existence first: a failed SELECT would abort a PostgreSQL transaction. A missing
                // table adds nothing (Autopack's own test: only token_estimation_v2_events present
                // -> its count); only when neither exists is the count unknown.
                long total = 0;
                var found = false;
                foreach (var table in new[] { SqlDatabase.TelemetryEstimation, SqlDatabase.TelemetryEscalation })
                {
                    if (!await Database.TableExistsAsync(connection, table, ct).ConfigureAwait(false))
                    {
                        continue;
                    }

                    found = true;

                    total += runId is null
                        ? await SqlDatabase.ScalarLongAsync(connection, $"SELECT count(*) FROM {table}", ct).ConfigureAwait(false)
                        : await SqlDatabase.ScalarLongAsync(connection, $"SELECT count(*) FROM {table} WHERE run_id = @run", ct, ("run", runId)).ConfigureAwait(false);
                }

                return found ? total : null;
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (ownsDatabase)
        {
            await Database.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The backlog in PostgreSQL through Npgsql; <c>phases.state</c> may be text or the native enum <c>phasestate</c>.</summary>
public sealed class PostgresBacklogStore : SqlBacklogStore
{
    public PostgresBacklogStore(DatabaseUrl url, BacklogStoreOptions? options = null)
        : base(new PostgresDatabase(Check(url, DatabaseKind.PostgreSql), (options ?? BacklogStoreOptions.Default).Retry), options, ownsDatabase: true)
    {
    }

    internal static DatabaseUrl Check(DatabaseUrl url, DatabaseKind kind)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.Kind == kind ? url : throw new ArgumentException($"{url.Masked} is not a {kind} database", nameof(url));
    }
}

/// <summary>The backlog in a SQLite file (WAL mode, busy timeout, retries on SQLITE_BUSY/LOCKED).</summary>
public sealed class SqliteBacklogStore : SqlBacklogStore
{
    public SqliteBacklogStore(DatabaseUrl url, BacklogStoreOptions? options = null)
        : base(new SqliteDatabase(PostgresBacklogStore.Check(url, DatabaseKind.Sqlite), options ?? BacklogStoreOptions.Default), options, ownsDatabase: true)
    {
    }
}

public static class BacklogStores
{
    /// <summary>Opens the store for <paramref name="url"/> and checks that it holds Autopack's schema.</summary>
    public static async Task<IBacklogStore> OpenAsync(DatabaseUrl url, BacklogStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        SqlBacklogStore store = url.Kind == DatabaseKind.PostgreSql ? new PostgresBacklogStore(url, options) : new SqliteBacklogStore(url, options);
        try
        {
            await store.DescribeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
