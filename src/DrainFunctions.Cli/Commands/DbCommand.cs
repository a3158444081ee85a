using DrainFunctions.Data;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain db init|seed-demo</c>: Autopack's tables and a demo backlog, on DATABASE_URL.</summary>
public static class DbCommand
{
    public const string Usage = """
        usage: drain db init [--enum-state]     create Autopack's tables (runs, tiers, phases, telemetry) in an empty database
               drain db seed-demo               fill an empty database with a realistic demo backlog (creates the tables first if needed)
          DATABASE_URL selects the database (postgresql://user:pass@host:5432/db or sqlite:///path.db).
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--enum-state", "--help" });
        if (reader.Has("--help") || reader.Positionals.Count == 0)
        {
            stdout.WriteLine(Usage);
            return reader.Positionals.Count == 0 && !reader.Has("--help") ? 2 : 0;
        }

        var action = reader.Positionals[0];
        if (action is not ("init" or "seed-demo") || reader.Positionals.Count > 1)
        {
            throw new UsageException($"argument db: invalid choice: '{string.Join(' ', reader.Positionals)}' (choose from 'init', 'seed-demo')");
        }

        var enumState = reader.Has("--enum-state");
        reader.RejectUnknown();
        if (!DatabaseEnvironment.TryRead(stderr, out var url))
        {
            return 1;
        }

        await using var admin = await BacklogAdmin.OpenAsync(url, cancellationToken: cancellationToken);
        try
        {
            if (action == "init")
            {
                await admin.InitSchemaAsync(new BacklogSchemaOptions(NativeEnumState: enumState), cancellationToken);
                stdout.WriteLine($"Created Autopack's tables in {url.Masked}");
                return 0;
            }

            if (!await admin.HasSchemaAsync(cancellationToken))
            {
                await admin.InitSchemaAsync(cancellationToken: cancellationToken);
                stdout.WriteLine($"Created Autopack's tables in {url.Masked}");
            }

            var summary = await admin.SeedDemoAsync(cancellationToken);
            stdout.WriteLine($"Seeded the demo backlog: {summary.IdentityLine}");
            return 0;
        }
        catch (Exception ex) when (ex is BacklogSchemaException or BacklogUnavailableException or BacklogAccessException)
        {
            stderr.WriteLine($"drain db {action}: {ex.Message}");
            return 1;
        }
    }
}

/// <summary>DATABASE_URL, required as the Python tool required it.</summary>
public static class DatabaseEnvironment
{
    public static bool TryRead(TextWriter stderr, out DatabaseUrl url)
    {
        try
        {
            url = DatabaseUrl.FromEnvironment();
            return true;
        }
        catch (DatabaseUrlException ex)
        {
            stderr.WriteLine($"drain: {ex.Message}");
            url = null!;
            return false;
        }
    }

    /// <summary>
    /// The backlog of DATABASE_URL when it is set (what the history commands scope by), null when
    /// it is not; a DATABASE_URL that is set but wrong is an error, not "every backlog".
    /// </summary>
    public static Core.Ports.BacklogIdentity? OptionalBacklog() =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(DatabaseUrl.EnvironmentVariable))
            ? null
            : DatabaseUrl.FromEnvironment().Backlog;
}
