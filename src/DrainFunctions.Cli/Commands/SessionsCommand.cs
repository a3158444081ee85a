using System.Globalization;
using DrainFunctions.Cli.Local;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain sessions list|show ID|import PATH...</c>: the sessions kept in blob storage.</summary>
public static class SessionsCommand
{
    public const string Usage = """
        usage: drain sessions list              stored sessions, newest first, with status and totals
               drain sessions show ID           a stored session's JSON
               drain sessions import PATH...    store session files (ours or the Python tool's, e.g.
                                                .autonomous_runs/batch_drain_sessions/*.json) so they can be resumed
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--help" });
        if (reader.Has("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

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

        // Ids and files are checked before storage is touched: a bad id names itself, a bad file imports nothing.
        if (action == "show" && !SessionIds.IsValid(operands[0]))
        {
            throw new UsageException($"argument ID: {SessionFiles.Quoted(operands[0])} is not a session id (expected {SessionIds.ExpectedForm}, as drain sessions list shows)");
        }

        var imports = action == "import" ? operands.Select(SessionFiles.LoadForImport).ToList() : [];
        var (azurite, store) = await LocalDrainHost.OpenSessionsAsync(LocalEnvironment.FromProcess(), stderr);
        await using (azurite)
        {
            var catalog = new SessionCatalog(store);
            switch (action)
            {
                case "list":
                    foreach (var id in await catalog.ListIdsAsync())
                    {
                        if (await catalog.LoadAsync(id) is { } s)
                        {
                            var status = s.IsComplete ? "complete  " : "incomplete";
                            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"{s.SessionId}  {status}  {s.State.TotalProcessed}/{s.BatchSize} processed, {s.State.TotalSuccess} ok, {s.State.TotalFailed} failed, {s.State.TotalTimeouts} timeouts, {s.State.TotalTelemetryEvents} events"));
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
