using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Data;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain db init|seed-demo</c>: Autopack's tables and a demo backlog, on DATABASE_URL.</summary>
public static class DbCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var enumState = Flag.Switch("--enum-state", "the phase state as a native PostgreSQL enum, as some Autopack databases have it");
        var init = new Command("init", "create Autopack's tables (runs, tiers, phases, telemetry) in an empty database") { enumState };
        init.SetAction(async (parsed, cancellation) => await RunAsync("init", parsed.GetValue(enumState), context.Stdout, context.Stderr, cancellation));
        var seed = new Command("seed-demo", "fill an empty database with a realistic demo backlog (creates the tables first if needed)");
        seed.SetAction(async (_, cancellation) => await RunAsync("seed-demo", false, context.Stdout, context.Stderr, cancellation));
        return CommandHelp.WithExamples(
            new Command("db", "Autopack's tables and a demo backlog on DATABASE_URL (postgresql://user:pass@host:5432/db or sqlite:///path.db)") { init, seed },
            "DATABASE_URL=sqlite:///autopack.db drain db init",
            "DATABASE_URL=sqlite:///autopack.db drain db seed-demo");
    }

    public static async Task<int> RunAsync(string action, bool enumState, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
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
    public static bool TryRead(TextWriter stderr, [NotNullWhen(true)] out DatabaseUrl? url)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            url = DatabaseUrl.FromEnvironment();
            return true;
        }
        catch (DatabaseUrlException ex)
        {
            stderr.WriteLine($"drain: {ex.Message}");
            url = null;
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
