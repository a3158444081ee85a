using System.Diagnostics;

namespace DrainFunctions.App.Tests;

/// <summary>The built Function App refuses to start on a bad setting, naming it and what it allows.</summary>
public sealed class SettingsAtStartTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-app-settings-");

    [Fact]
    public async Task Start_BadDrainSettings_ExitsNamingEverySetting()
    {
        var (exitCode, output) = await StartAppAsync(new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["Drain__BatchSize"] = "0",
            ["Drain__SkipRunsWithQueued"] = "maybe",
            ["Drain__PhaseTimeoutSeconds"] = "2147483647",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Drain__SkipRunsWithQueued: must be true or false (got 'maybe')", output, StringComparison.Ordinal);
        Assert.Contains("Drain__BatchSize: must be an integer >= 1 (got 0)", output, StringComparison.Ordinal);
        Assert.Contains("Drain__PhaseTimeoutSeconds: must be an integer from 1 to 604800 (7 days) (got 2147483647)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnresolvedKeyVaultReference_ExitsSayingTheSecretIsNotThere()
    {
        // What App Service hands the worker when the database-url secret is missing or unreadable.
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv-drain-test.vault.azure.net/secrets/database-url)";

        var (exitCode, output) = await StartAppAsync(new Dictionary<string, string> { ["DATABASE_URL"] = reference });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"DATABASE_URL: the Key Vault reference {reference} was not resolved: the secret is missing", output, StringComparison.Ordinal);
        Assert.Contains("Set the secret, then restart the app", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unsupported scheme", output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> StartAppAsync(IReadOnlyDictionary<string, string> settings)
    {
        var app = Path.Combine(FunctionsMetadataTests.RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0", "DrainFunctions.App.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.FullName };
        start.ArgumentList.Add(app);
        start.Environment["Snapshots__ConnectionString"] = "UseDevelopmentStorage=true";
        // What the Functions host gives its worker; the settings are checked before the worker connects.
        start.Environment["Functions__Worker__HostEndpoint"] = "http://127.0.0.1:1";
        start.Environment["Functions__Worker__WorkerId"] = "settings-test";
        start.Environment["Functions__Worker__RequestId"] = "settings-test";
        start.Environment["Functions__Worker__GrpcMaxMessageLength"] = "1048576";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
