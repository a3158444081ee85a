using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DrainFunctions.Cli.Local;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain sessions list|show ID|import PATH...</c>: the sessions kept in blob storage.</summary>
public static class SessionsCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = Flag.Switch("--all", "the sessions of every database (and those stored before sessions were kept per database)");
        var listOutput = OutputFormat.Create(OutputFormat.Table, "table: one line per session; json: an array of {sessionId, complete, processed, batchSize, succeeded, failed, timeouts, telemetryEvents, database}");
        var list = new Command("list", "stored sessions of DATABASE_URL's database (without DATABASE_URL or with --all: of every database), newest first, with status, totals and database") { all, listOutput };
        list.SetAction(async (parsed, _) => await ListAsync(parsed.GetValue(all), OutputFormat.Of(parsed, listOutput), context));

        var id = new Argument<string>("ID") { Description = $"a session id ({SessionIds.ExpectedForm}, as drain sessions list shows)" };
        var showOutput = OutputFormat.Create(OutputFormat.Json, "json: the session file's JSON (the default); table: its totals and one line per phase");
        var show = new Command("show", "a stored session's JSON") { id, showOutput };
        show.SetAction(async (parsed, _) => await ShowAsync(parsed.GetValue(id) ?? string.Empty, OutputFormat.Of(parsed, showOutput), context));

        var paths = new Argument<string[]>("PATH") { Arity = ArgumentArity.OneOrMore, Description = "session files, ours or the Python tool's" };
        var import = new Command("import", "store session files (ours or the Python tool's, e.g. .autonomous_runs/batch_drain_sessions/*.json) as sessions of DATABASE_URL's database, so that drain --resume continues them") { paths };
        import.SetAction(async (parsed, _) => await ImportAsync(parsed.GetValue(paths) ?? [], context));

        return CommandHelp.WithExamples(
            new Command("sessions", "the sessions kept in storage: list, show, import") { list, show, import },
            "drain sessions list",
            "drain sessions list --all --output json",
            "drain sessions show batch-drain-20251228-060007",
            "drain sessions import .autonomous_runs/batch_drain_sessions/*.json");
    }

    private static async Task<int> ListAsync(bool all, string output, CliContext context)
    {
        var backlog = OptionalBacklog(context.Stderr, out var failed);
        if (failed)
        {
            return 1;
        }

        var (azurite, store) = await LocalDrainHost.OpenSessionsAsync(LocalEnvironment.FromProcess(), context.Stderr, backlog);
        await using (azurite)
        {
            var catalog = new SessionCatalog(store);
            var stored = await catalog.ListAsync(all);

            // The listing's metadata carries the totals; only sessions stored before that are read, a few at a time.
            var rows = new SessionListItem?[stored.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, stored.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
                rows[i] = stored[i].Totals is { } totals
                    ? SessionListItem.From(stored[i].SessionId, totals, stored[i].Backlog)
                    : await catalog.LoadAsync(stored[i].SessionId, token) is { } s ? SessionListItem.From(s, stored[i].Backlog) : null);

            if (output == OutputFormat.Json)
            {
                context.Stdout.WriteLine(JsonSerializer.Serialize(rows.OfType<SessionListItem>(), OutputFormat.JsonOptions));
                return 0;
            }

            foreach (var row in rows.OfType<SessionListItem>())
            {
                var status = row.Complete ? "complete  " : "incomplete";
                var database = row.Database ?? "(database unknown: stored before sessions were kept per database)";
                context.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.SessionId}  {status}  {row.Processed}/{row.BatchSize} processed, {row.Succeeded} ok, {row.Failed} failed, {row.Timeouts} timeouts, {row.TelemetryEvents} events  {database}"));
            }

            return 0;
        }
    }

    private static async Task<int> ShowAsync(string sessionId, string output, CliContext context)
    {
        // Ids are checked before storage is touched: a bad id names itself.
        if (!SessionIds.IsValid(sessionId))
        {
            throw new UsageException($"argument ID: {SessionFiles.Quoted(sessionId)} is not a session id (expected {SessionIds.ExpectedForm}, as drain sessions list shows)");
        }

        var backlog = OptionalBacklog(context.Stderr, out var failed);
        if (failed)
        {
            return 1;
        }

        var (azurite, store) = await LocalDrainHost.OpenSessionsAsync(LocalEnvironment.FromProcess(), context.Stderr, backlog);
        await using (azurite)
        {
            var session = await new SessionCatalog(store).LoadAsync(sessionId) ?? throw new NotFoundException($"no stored session {sessionId} (drain sessions list shows the stored ones)");
            if (output == OutputFormat.Table)
            {
                SessionTable.Write(session, context.Stdout);
                return 0;
            }

            context.Stdout.Write(SessionJson.Serialize(session));
            context.Stdout.WriteLine();
            return 0;
        }
    }

    private static async Task<int> ImportAsync(IReadOnlyList<string> paths, CliContext context)
    {
        // Files are checked before storage is touched: a bad file imports nothing.
        var imports = paths.Select(SessionFiles.LoadForImport).ToList();
        var backlog = OptionalBacklog(context.Stderr, out var failed);
        if (failed)
        {
            return 1;
        }

        if (backlog is null)
        {
            // Sessions belong to the database they drained: an import needs to know which.
            context.Stderr.WriteLine("drain sessions import: DATABASE_URL must name the database these sessions drained (they are kept per database)");
            return 1;
        }

        var (azurite, store) = await LocalDrainHost.OpenSessionsAsync(LocalEnvironment.FromProcess(), context.Stderr, backlog);
        await using (azurite)
        {
            var catalog = new SessionCatalog(store);
            foreach (var imported in imports)
            {
                await catalog.ImportAsync(imported);
                context.Stdout.WriteLine($"Imported {imported.SessionId} ({imported.Results.Count} results, {(imported.IsComplete ? "complete" : "incomplete: resume it with drain --resume")})");
            }

            return 0;
        }
    }

    /// <summary>DATABASE_URL's backlog (null when unset); a DATABASE_URL that is set but wrong is said in one line.</summary>
    private static Core.Ports.BacklogIdentity? OptionalBacklog(TextWriter stderr, out bool failed)
    {
        try
        {
            failed = false;
            return DatabaseEnvironment.OptionalBacklog();
        }
        catch (Data.DatabaseUrlException ex)
        {
            stderr.WriteLine($"drain: {ex.Message}");
            failed = true;
            return null;
        }
    }
}
