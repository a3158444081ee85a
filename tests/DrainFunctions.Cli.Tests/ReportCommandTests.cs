using System.Diagnostics;

namespace DrainFunctions.Cli.Tests;

public class ReportCommandTests
{
    private static string Golden(string name) => Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", name);

    [Fact]
    public void Run_OwnSessionFile_PrintsGoldenReport()
    {
        var dir = Directory.CreateTempSubdirectory("drain-report-");
        try
        {
            var path = Path.Combine(dir.FullName, "batch-drain-20251228-060007.json");
            File.Copy(Golden("seed-session.json"), path);

            var result = CliRunner.Run(string.Empty, "report", path);

            Assert.Equal(0, result.ExitCode);
            var expected = File.ReadAllText(Golden("seed-summary.txt"))
                .Replace(".autonomous_runs/batch_drain_sessions/batch-drain-20251228-060007.json", path, StringComparison.Ordinal);
            Assert.Equal(expected, result.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Run_PythonV1File_PrintsReport()
    {
        var result = CliRunner.Run(string.Empty, "report", Golden("python-v1-session.json"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Session ID: batch-drain-20251201-101500\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("  build129-core: 1/2 succeeded, 1 timeouts, 0 events\n", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TruncatedFile_Exits2NamingFileWithoutTouchingIt()
    {
        var path = Golden("python-v2-truncated.json");
        var before = File.ReadAllBytes(path);

        var result = CliRunner.Run(string.Empty, "report", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(path + ": is not valid JSON", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("truncated", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Run_MissingFile_Exits2()
    {
        var result = CliRunner.Run(string.Empty, "report", "/nonexistent/batch-drain-20250101-000000.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("drain: error: no such session file: /nonexistent/batch-drain-20250101-000000.json\n", result.Stderr);
    }

    [Fact]
    public void Launcher_FromAnotherDirectory_PassesArgumentsOutputAndExitCode()
    {
        var launcher = Path.Combine(CliRunner.RepoRoot(), "drain");
        var start = new ProcessStartInfo(launcher)
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("report");
        start.ArgumentList.Add("/nonexistent.json");

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("no such session file: /nonexistent.json", stderr, StringComparison.Ordinal);
    }
}
