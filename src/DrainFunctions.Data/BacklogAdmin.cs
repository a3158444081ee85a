using DrainFunctions.Core.Ports;

namespace DrainFunctions.Data;

/// <summary>
/// Administration of one database for the CLI: the identity line (which works on an empty or
/// schema-less database too), <c>db init</c>, <c>db seed-demo</c> and the demo executor's writes.
/// </summary>
public sealed class BacklogAdmin : IAsyncDisposable
{
    private BacklogAdmin(SqlDatabase database)
    {
        Database = database;
    }

    public string DisplayName => Database.Url.Masked;

    internal SqlDatabase Database { get; }

    /// <summary>Prepares access to <paramref name="url"/>; nothing is created or changed.</summary>
    public static Task<BacklogAdmin> OpenAsync(DatabaseUrl url, BacklogStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new BacklogAdmin(SqlDatabase.Create(url, options)));
    }

    /// <summary>Counts for the identity line; a database without Autopack's tables (or a missing SQLite file) counts as empty.</summary>
    public Task<BacklogSummary> DescribeAsync(CancellationToken cancellationToken = default)
    {
        if (Database.Kind == DatabaseKind.Sqlite && !File.Exists(Database.Url.SqlitePath))
        {
            return Task.FromResult(new BacklogSummary(DisplayName, 0, 0, 0, 0, Database.Url.Backlog));
        }

        return SqlBacklogStore.DescribeAsync(Database, requireSchema: false, cancellationToken);
    }

    /// <summary>Whether the tables runs and phases exist.</summary>
    public async Task<bool> HasSchemaAsync(CancellationToken cancellationToken = default)
    {
        if (Database.Kind == DatabaseKind.Sqlite && !File.Exists(Database.Url.SqlitePath))
        {
            return false;
        }

        return await Database.RunAsync(
            "checking the schema",
            async (c, ct) => await Database.TableExistsAsync(c, "runs", ct).ConfigureAwait(false) && await Database.TableExistsAsync(c, "phases", ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>db init</c>: creates the schema; refuses (changing nothing) when any of its tables exists.</summary>
    public Task InitSchemaAsync(BacklogSchemaOptions? options = null, CancellationToken cancellationToken = default) =>
        BacklogSchema.InitAsync(Database, options ?? BacklogSchemaOptions.Default, cancellationToken);

    /// <summary><c>db seed-demo</c>: fills an empty database with the demo backlog.</summary>
    public Task<BacklogSummary> SeedDemoAsync(CancellationToken cancellationToken = default) => DemoBacklog.SeedAsync(this, cancellationToken);

    /// <summary>Opens a store on the same database.</summary>
    public Task<IBacklogStore> OpenStoreAsync(BacklogStoreOptions? options = null, CancellationToken cancellationToken = default) =>
        BacklogStores.OpenAsync(Database.Url, options, cancellationToken);

    public ValueTask DisposeAsync() => Database.DisposeAsync();
}
