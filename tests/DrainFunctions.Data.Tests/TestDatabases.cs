using Microsoft.Data.Sqlite;
using Npgsql;

namespace DrainFunctions.Data.Tests;

/// <summary>Throw-away databases: one PostgreSQL database or SQLite file per test.</summary>
internal static class TestDatabases
{
    public const string MissingPostgres =
        "DRAIN_TEST_PG is not set: these tests need a real PostgreSQL server. Run ./scripts/test.sh " +
        "(it starts a private cluster), or `source scripts/services.sh && start_postgres` first.";

    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_PG") is { Length: > 0 } cs ? cs : throw new InvalidOperationException(MissingPostgres);

    public static string PostgresAdminUrl =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_PG_URL") is { Length: > 0 } url ? url : throw new InvalidOperationException(MissingPostgres.Replace("DRAIN_TEST_PG ", "DRAIN_TEST_PG_URL ", StringComparison.Ordinal));

    public static async Task<(DatabaseUrl Url, string Name)> CreatePostgresAsync()
    {
        var name = $"drain_test_{Guid.NewGuid():N}";
        var adminUrl = PostgresAdminUrl;
        await using (var connection = new NpgsqlConnection(PostgresAdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0", connection);
            await command.ExecuteNonQueryAsync();
        }

        var slash = adminUrl.LastIndexOf('/');
        var query = adminUrl.IndexOf('?', StringComparison.Ordinal);
        var url = adminUrl[..(slash + 1)] + name + (query > slash ? adminUrl[query..] : string.Empty);
        return (DatabaseUrl.Parse(url), name);
    }

    public static async Task DropPostgresAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresAdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static (DatabaseUrl Url, string Directory) CreateSqlite()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"drain_test_{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return (DatabaseUrl.Parse($"sqlite:///{Path.Combine(dir, "autopack.db")}"), dir);
    }

    public static void DropSqlite(string dir)
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
