using System.Diagnostics;

namespace DrainFunctions.App.Tests;

/// <summary>The built Function App refuses to start on a bad drain setting, naming it and what it allows.</summary>
public sealed class SettingsAtStartTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-app-settings-");

    [Fact]
    public async Task Start_BadDrainSettings_ExitsNamingEverySetting()
    {
        var app = Path.Combine(FunctionsMetadataTests.RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0", "DrainFunctions.App.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.FullName };
        start.ArgumentList.Add(app);
        start.Environment["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db");
        start.Environment["Snapshots__ConnectionString"] = "UseDevelopmentStorage=true";
        // What the Functions host gives its worker; the settings are checked before the worker connects.
        start.Environment["Functions__Worker__HostEndpoint"] = "http://127.0.0.1:1";
        start.Environment["Functions__Worker__WorkerId"] = "settings-test";
        start.Environment["Functions__Worker__RequestId"] = "settings-test";
        start.Environment["Functions__Worker__GrpcMaxMessageLength"] = "1048576";
        start.Environment["Drain__BatchSize"] = "0";
        start.Environment["Drain__SkipRunsWithQueued"] = "maybe";
        start.Environment["Drain__PhaseTimeoutSeconds"] = "2147483647";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("Drain__SkipRunsWithQueued: must be true or false (got 'maybe')", output, StringComparison.Ordinal);
        Assert.Contains("Drain__BatchSize: must be an integer >= 1 (got 0)", output, StringComparison.Ordinal);
        Assert.Contains("Drain__PhaseTimeoutSeconds: must be an integer from 1 to 604800 (7 days) (got 2147483647)", output, StringComparison.Ordinal);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
