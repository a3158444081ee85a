using System.Globalization;
using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain sessions list|show ID|import PATH...</c>: the sessions kept in blob storage.</summary>
public static class SessionsCommand
{
    public const string Usage = """
        usage: drain sessions list [--all]      stored sessions of DATABASE_URL's database (--all: of every
                                                database), newest first, with status, totals and database
               drain sessions show ID           a stored session's JSON
               drain sessions import PATH...    store session files (ours or the Python tool's, e.g.
                                                .autonomous_runs/batch_drain_sessions/*.json) as sessions of
                                                DATABASE_URL's database, so that drain --resume continues them
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--help", "--all" });
        if (reader.Has("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        var all = reader.Has("--all");
        reader.RejectUnknown();
        var action = reader.Positionals.Count > 0 ? reader.Positionals[0] : null;
        var operands = reader.Positionals.Skip(1).ToList();
        switch (action)
        {
            case "list" when operands.Count == 0:
            case "show" when operands.Count == 1:
            case "import" when operands.Count > 0:
                break;
            case "list" or "show" or "import":
                throw new UsageException(Usage.Trim());
            default:
                throw new UsageException($"argument sessions: invalid choice: '{action}' (choose from 'list', 'show', 'import')");
        }

        if (all && action != "list")
        {
            throw UsageException.ForFlag("--all", "only with sessions list");
        }

        // Ids and files are checked before storage is touched: a bad id names itself, a bad file imports nothing.
        if (action == "show" && !SessionIds.IsValid(operands[0]))
        {
            throw new UsageException($"argument ID: {SessionFiles.Quoted(operands[0])} is not a session id (expected {SessionIds.ExpectedForm}, as drain sessions list shows)");
        }

        var imports = action == "import" ? operands.Select(SessionFiles.LoadForImport).ToList() : [];

        // Sessions belong to the database they drained: list shows DATABASE_URL's (every one
        // without it, or with --all); an import needs to know which database its sessions drained.
        Core.Ports.BacklogIdentity? backlog;
        try
        {
            backlog = DatabaseEnvironment.OptionalBacklog();
        }
        catch (Data.DatabaseUrlException ex)
        {
            stderr.WriteLine($"drain: {ex.Message}");
            return 1;
        }

        if (action == "import" && backlog is null)
        {
            stderr.WriteLine("drain sessions import: DATABASE_URL must name the database these sessions drained (they are kept per database)");
            return 1;
        }

        var (azurite, store) = await LocalDrainHost.OpenSessionsAsync(LocalEnvironment.FromProcess(), stderr, backlog);
        await using (azurite)
        {
            var catalog = new SessionCatalog(store);
            switch (action)
            {
                case "list":
                    foreach (var stored in await catalog.ListAsync(all))
                    {
                        if (await catalog.LoadAsync(stored.SessionId) is { } s)
                        {
                            var status = s.IsComplete ? "complete  " : "incomplete";
                            var database = stored.Backlog ?? "(database unknown: stored before sessions were kept per database)";
                            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"{s.SessionId}  {status}  {s.State.TotalProcessed}/{s.BatchSize} processed, {s.State.TotalSuccess} ok, {s.State.TotalFailed} failed, {s.State.TotalTimeouts} timeouts, {s.State.TotalTelemetryEvents} events  {database}"));
                        }
                    }

                    return 0;
                case "show":
                    var session = await catalog.LoadAsync(operands[0]) ?? throw new UsageException($"no stored session {operands[0]} (drain sessions list shows the stored ones)");
                    stdout.Write(SessionJson.Serialize(session));
                    stdout.WriteLine();
                    return 0;
                default:
                    foreach (var imported in imports)
                    {
                        await catalog.ImportAsync(imported);
                        stdout.WriteLine($"Imported {imported.SessionId} ({imported.Results.Count} results, {(imported.IsComplete ? "complete" : "incomplete: resume it with drain --resume")})");
                    }

                    return 0;
            }
        }
    }
}
