using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain report FILE</c>: the summary report of a session file, ours or the Python tool's.</summary>
public static class ReportCommand
{
    public const string Usage = "usage: drain report FILE\n  Prints the summary report of a session file (ours or the Python tool's).";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--help" });
        if (reader.Has("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        reader.RejectUnknown();
        if (reader.Positionals.Count != 1)
        {
            throw new UsageException("report takes exactly one argument: the session file (e.g. .autonomous_runs/batch_drain_sessions/batch-drain-20251228-060007.json)");
        }

        var path = reader.Positionals[0];
        var session = SessionFiles.Load(path);
        stdout.Write(SummaryReport.Render(session, path));
        return 0;
    }
}

/// <summary>Reads session files from disk with errors that say what is wrong.</summary>
public static class SessionFiles
{
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
