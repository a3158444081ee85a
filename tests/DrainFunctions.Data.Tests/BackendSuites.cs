using Microsoft.Data.Sqlite;
using Npgsql;

namespace DrainFunctions.Data.Tests;

/// <summary>The contract on PostgreSQL with a text state column.</summary>
public sealed class PostgresBacklogStoreTests : BacklogStoreContract
{
    private string? name;

    protected override async Task<DatabaseUrl> CreateDatabaseAsync()
    {
        (var url, name) = await TestDatabases.CreatePostgresAsync();
        return url;
    }

    protected override Task DropDatabaseAsync() => name is null ? Task.CompletedTask : TestDatabases.DropPostgresAsync(name);
}

/// <summary>The contract on PostgreSQL with <c>phases.state</c> as the native enum <c>phasestate</c>.</summary>
public sealed class PostgresEnumStateBacklogStoreTests : BacklogStoreContract
{
    private string? name;

    protected override BacklogSchemaOptions SchemaOptions => new(NativeEnumState: true);

    protected override async Task<DatabaseUrl> CreateDatabaseAsync()
    {
        (var url, name) = await TestDatabases.CreatePostgresAsync();
        return url;
    }

    protected override Task DropDatabaseAsync() => name is null ? Task.CompletedTask : TestDatabases.DropPostgresAsync(name);

    [Fact]
    public async Task Init_NativeEnumOption_StateColumnIsPhasestate()
    {
        await InitSchemaAsync();
        await using var admin = await BacklogAdmin.OpenAsync(Url);
        var type = await admin.Database.RunAsync(
            "test",
            async (c, ct) =>
            {
                await using var command = SqlDatabase.Command(c, "SELECT udt_name FROM information_schema.columns WHERE table_name = 'phases' AND column_name = 'state'");
                return (string?)await command.ExecuteScalarAsync(ct);
            },
            default);

        Assert.Equal("phasestate", type);
    }

    [Fact]
    public async Task StreamCandidates_EnumLacksSomeInFlightLabels_StillWorks()
    {
        // An older Autopack enum without GATE and CI_RUNNING: those labels must not reach the SQL.
        await ExecAsync("CREATE TYPE phasestate AS ENUM ('QUEUED', 'EXECUTING', 'COMPLETE', 'FAILED', 'SKIPPED')");
        await ExecAsync("CREATE TABLE runs (id varchar PRIMARY KEY, state varchar NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)");
        await ExecAsync("CREATE TABLE phases (id serial PRIMARY KEY, phase_id varchar NOT NULL, run_id varchar NOT NULL REFERENCES runs(id), tier_id int, phase_index int NOT NULL, name varchar NOT NULL, state phasestate NOT NULL, last_failure_reason text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, UNIQUE (run_id, phase_id))");
        await AddPhasesAsync(("r", "f", 0, "FAILED", null), ("r", "q", 1, "QUEUED", null));
        await using var store = (SqlBacklogStore)await BacklogStores.OpenAsync(Url);

        var candidates = await AllAsync(store);

        Assert.Equal("QUEUED", Assert.Single(candidates).RunInFlightState);
        Assert.Equal(1, (await store.DescribeAsync()).InFlight);
        Assert.Equal(Core.Ports.RequeueStatus.Requeued, (await store.TryRequeueAsync("r", "f")).Status);
        Assert.True(await store.RestoreToFailedAsync("r", "f", "drain timeout after 900s"));
        Assert.Null(await store.CountTelemetryAsync());
    }
}

/// <summary>The contract on a SQLite file.</summary>
public sealed class SqliteBacklogStoreTests : BacklogStoreContract
{
    private string? dir;

    protected override Task<DatabaseUrl> CreateDatabaseAsync()
    {
        (var url, dir) = TestDatabases.CreateSqlite();
        return Task.FromResult(url);
    }

    protected override Task DropDatabaseAsync()
    {
        if (dir is not null)
        {
            TestDatabases.DropSqlite(dir);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task TryRequeue_WriteLockHeldBriefly_SucceedsAfterRetry()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p", 0, "FAILED", null));
        var options = new BacklogStoreOptions { Retry = new DatabaseRetry(6, TimeSpan.FromMilliseconds(50)), SqliteBusyTimeout = TimeSpan.FromMilliseconds(20), CommandTimeout = TimeSpan.FromSeconds(1) };
        await using var store = await OpenStoreAsync(options);

        await using var blocker = new SqliteConnection($"Data Source={Url.SqlitePath};Pooling=False");
        await blocker.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN IMMEDIATE", blocker))
        {
            await begin.ExecuteNonQueryAsync();
        }

        var requeue = store.TryRequeueAsync("run", "p");
        await Task.Delay(400);
        Assert.False(requeue.IsCompleted);
        await using (var commit = new SqliteCommand("COMMIT", blocker))
        {
            await commit.ExecuteNonQueryAsync();
        }

        Assert.Equal(Core.Ports.RequeueStatus.Requeued, (await requeue).Status);
    }

    [Fact]
    public async Task TryRequeue_WriteLockNeverReleased_SurfacesUnavailableWithMaskedName()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p", 0, "FAILED", null));
        var options = new BacklogStoreOptions { Retry = new DatabaseRetry(2, TimeSpan.FromMilliseconds(20)), SqliteBusyTimeout = TimeSpan.FromMilliseconds(20), CommandTimeout = TimeSpan.FromSeconds(1) };
        await using var store = await OpenStoreAsync(options);
        await using var blocker = new SqliteConnection($"Data Source={Url.SqlitePath};Pooling=False");
        await blocker.OpenAsync();
        await using var begin = new SqliteCommand("BEGIN IMMEDIATE", blocker);
        await begin.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<BacklogUnavailableException>(() => store.TryRequeueAsync("run", "p"));

        Assert.Contains(Url.Masked, error.Message, StringComparison.Ordinal);
        Assert.Contains("2 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_MissingFile_RefusesWithoutCreatingIt()
    {
        var error = await Assert.ThrowsAsync<BacklogSchemaException>(() => BacklogStores.OpenAsync(Url));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Url.SqlitePath));
    }
}

/// <summary>Runs without a database: PostgreSQL's error classification and the retry loop.</summary>
public sealed class TransientErrorTests
{
    [Theory]
    [InlineData("57P01", true)]
    [InlineData("57P03", true)]
    [InlineData("08006", true)]
    [InlineData("08001", true)]
    [InlineData("53300", true)]
    [InlineData("40001", true)]
    [InlineData("40P01", true)]
    [InlineData("42601", false)]
    [InlineData("42P01", false)]
    [InlineData("23505", false)]
    [InlineData("22P02", false)]
    public void IsTransient_PostgresSqlState_Classified(string sqlState, bool expected)
    {
        var error = new PostgresException("message", "FATAL", "FATAL", sqlState);

        Assert.Equal(expected, TransientErrors.IsTransient(error));
    }

    [Fact]
    public void IsTransient_ConnectionRefusedOrTimeout_True()
    {
        Assert.True(TransientErrors.IsTransient(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
        Assert.True(TransientErrors.IsTransient(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
        Assert.True(TransientErrors.IsTransient(new SqliteException("database is locked", 5)));
        Assert.True(TransientErrors.IsTransient(new SqliteException("database table is locked", 6)));
        Assert.False(TransientErrors.IsTransient(new SqliteException("syntax error", 1)));
        Assert.False(TransientErrors.IsTransient(new InvalidOperationException("bug")));
    }

    [Fact]
    public async Task Retrier_TransientThenSuccess_RetriesWithBackoff()
    {
        var retrier = new Retrier(new DatabaseRetry(4, TimeSpan.FromMilliseconds(10)), "postgresql://u:***@h:5432/d");
        var calls = 0;

        var result = await retrier.RunAsync(
            "test",
            _ => ++calls < 3 ? throw new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") : Task.FromResult(42),
            default);

        Assert.Equal((42, 3), (result, calls));
    }

    [Fact]
    public async Task Retrier_AlwaysTransient_SurfacesUnavailableAfterAttempts()
    {
        var retrier = new Retrier(new DatabaseRetry(4, TimeSpan.FromMilliseconds(5)), "postgresql://u:***@h:5432/d");
        var calls = 0;

        var error = await Assert.ThrowsAsync<BacklogUnavailableException>(() => retrier.RunAsync<int>(
            "reading FAILED phases",
            _ => { calls++; throw new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111)); },
            default));

        Assert.Equal(4, calls);
        Assert.Contains("postgresql://u:***@h:5432/d", error.Message, StringComparison.Ordinal);
        Assert.Contains("reading FAILED phases failed 4 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrier_SqlError_NotRetried()
    {
        var retrier = new Retrier(new DatabaseRetry(4, TimeSpan.FromMilliseconds(5)), "db");
        var calls = 0;

        await Assert.ThrowsAsync<PostgresException>(() => retrier.RunAsync<int>(
            "test",
            _ => { calls++; throw new PostgresException("syntax error", "ERROR", "ERROR", "42601"); },
            default));

        Assert.Equal(1, calls);
    }

    [Fact]
    public void RetryPolicy_Default_BacksOffFrom100msTo1600ms()
    {
        var policy = DatabaseRetry.Default;

        Assert.Equal(4, policy.Attempts);
        Assert.Equal([100.0, 400.0, 1600.0], new[] { 2, 3, 4 }.Select(a => policy.DelayBefore(a).TotalMilliseconds).ToArray());
    }

    [Fact]
    public async Task OpenAsync_PostgresUnreachable_SurfacesUnavailableWithoutPassword()
    {
        var url = DatabaseUrl.Parse("postgresql://autopack:s3cret@127.0.0.1:1/autopack?connect_timeout=2");
        var options = new BacklogStoreOptions { Retry = new DatabaseRetry(2, TimeSpan.FromMilliseconds(10)) };

        var error = await Assert.ThrowsAsync<BacklogUnavailableException>(() => BacklogStores.OpenAsync(url, options));

        Assert.Contains("postgresql://autopack:***@127.0.0.1:1/autopack", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>docs/database.md tells production databases which indexes to add: the same statements the code builds.</summary>
public sealed class RecommendedIndexDocsTests
{
    [Theory]
    [InlineData(DatabaseKind.PostgreSql)]
    [InlineData(DatabaseKind.Sqlite)]
    public void RecommendedIndexes_DocsDatabaseMd_ListsExactlyTheseStatements(DatabaseKind kind)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        var docs = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "database.md"));
        foreach (var statement in BacklogSchema.RecommendedIndexes(kind))
        {
            Assert.True(docs.Contains(statement, StringComparison.Ordinal), $"docs/database.md lacks:\n{statement}");
        }
    }
}
