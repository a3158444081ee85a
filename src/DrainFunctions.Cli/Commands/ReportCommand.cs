using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain report FILE</c>: the summary report of a session file, ours or the Python tool's.</summary>
public static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = new Argument<string[]>("ID|FILE") { Arity = ArgumentArity.ZeroOrMore, Description = "a stored session's id, or a session file (ours or the Python tool's)" };
        var command = new Command("report", "print the summary report of a stored session (by id) or of a session file (ours or the Python tool's)") { target };
        command.SetAction(async (parsed, _) => await RunAsync(parsed.GetValue(target) ?? [], context.Stdout, context.Stderr));
        return CommandHelp.WithExamples(
            command,
            "drain report batch-drain-20251228-060007",
            "drain report .autonomous_runs/batch_drain_sessions/batch-drain-20251228-060007.json");
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> targets, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(stdout);
        if (targets.Count != 1)
        {
            throw new UsageException("report takes exactly one argument: the session file (e.g. .autonomous_runs/batch_drain_sessions/batch-drain-20251228-060007.json)");
        }

        var path = targets[0];
        if (SessionIds.IsValid(path) && !File.Exists(path))
        {
            var environment = Local.LocalEnvironment.FromProcess();
            var (azurite, store) = await Local.LocalDrainHost.OpenSessionsAsync(environment, stderr);
            await using (azurite)
            {
                var stored = await store.LoadAsync(path) ?? throw new NotFoundException($"no stored session {path} (drain sessions list shows the stored ones)");
                stdout.Write(SummaryReport.Render(stored, $"{store.Container.Name}/{path}.json"));
                return 0;
            }
        }

        if (!File.Exists(path) && !Directory.Exists(path) && !path.Contains('/', StringComparison.Ordinal) && !path.EndsWith(".json", StringComparison.Ordinal))
        {
            throw new UsageException($"argument ID|FILE: {SessionFiles.Quoted(path)} is neither a session id ({SessionIds.ExpectedForm}) nor a session file");
        }

        var session = SessionFiles.Load(path);
        stdout.Write(SummaryReport.Render(session, path));
        return 0;
    }
}

/// <summary>Reads session files from disk with errors that say what is wrong.</summary>
public static class SessionFiles
{
    /// <summary>An argument as echoed in an error: quoted, and cut when long (a pasted file must not flood the terminal).</summary>
    public static string Quoted(string text) => "'" + (text.Length <= 80 ? text : text[..80] + "...") + "'";

    /// <summary>A session file to store: its session id must be one (it names the session's blobs).</summary>
    public static DrainSession LoadForImport(string path)
    {
        var session = Load(path);
        return SessionIds.IsValid(session.SessionId)
            ? session
            : throw new UsageException($"{path}: session_id {Quoted(session.SessionId)} is not a session id (expected {SessionIds.ExpectedForm}); nothing was imported");
    }

    public static DrainSession Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"{path} is a folder; give a session file such as {Path.Combine(path, "batch-drain-YYYYMMDD-HHMMSS.json")}");
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"no such session file: {path}");
        }

        try
        {
            return SessionJson.Parse(File.ReadAllText(path), path);
        }
        catch (SessionFormatException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }
}
