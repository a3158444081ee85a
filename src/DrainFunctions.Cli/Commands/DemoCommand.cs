using DrainFunctions.Cli.Local;
using DrainFunctions.Data;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain demo</c>: a fresh SQLite demo backlog and a real durable drain on it (local durable
/// host, Azure Storage backend on Azurite, the demo executor through the process executor).
/// </summary>
public static class DemoCommand
{
    /// <summary>The demo executor sleeps 5-24 s per phase at scale 1; this makes a phase take 1-5 s.</summary>
    public const double TimeScale = 0.2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        var environment = LocalEnvironment.FromProcess();
        var folder = Path.Combine(environment.WorkspaceFolder, "demo");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "autopack-demo.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }

        var url = "sqlite:///" + path;
        Environment.SetEnvironmentVariable(DatabaseUrl.EnvironmentVariable, url);
        await using (var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(url)))
        {
            await admin.InitSchemaAsync();
            var seeded = await admin.SeedDemoAsync();
            stdout.WriteLine($"Created a fresh demo backlog: {seeded.Runs} runs, {seeded.Phases} phases, {seeded.Failed} FAILED");
        }

        // The demo's defaults, then whatever flags the user added (the later flag wins).
        string[] defaults = ["--executor", "demo", "--batch-size", "10", "--phase-timeout-seconds", "8", "--max-fingerprint-repeats", "2"];
        // The demo backlog fails on purpose; the demo itself succeeded when the drain ran to its end.
        var code = await DrainCommand.RunAsync([.. defaults, .. args], stdout, stderr, interrupts, TimeScale);
        return code == 1 ? 0 : code;
    }
}
