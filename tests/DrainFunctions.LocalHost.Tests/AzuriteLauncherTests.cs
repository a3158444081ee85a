using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace DrainFunctions.LocalHost.Tests;

public class AzuriteLauncherTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void LoopbackPorts_DevelopmentStorage_IsDefaultEmulatorPorts()
    {
        Assert.Equal((10000, 10001, 10002), AzuriteLauncher.LoopbackPorts("UseDevelopmentStorage=true"));
        Assert.Null(AzuriteLauncher.LoopbackPorts("DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net"));
    }

    [Fact]
    public async Task CreateStartInfo_RepositoryAzurite_PreloadStubsTelemetryRollsExtentsAndSavesOften()
    {
        // What the launcher's NODE_OPTIONS do to the repository's Azurite modules, against node without them.
        var root = RepoRoot();
        var start = AzuriteLauncher.CreateStartInfo(root, "/tmp/unused", (1, 2, 3));
        Assert.Equal(Path.Combine(root, "node_modules", ".bin", "azurite"), start.FileName);
        Assert.Contains("--disableTelemetry", start.ArgumentList);
        var main = Path.Combine(root, "node_modules", "azurite", "dist", "src", "azurite.js");
        const string probe = """
            const path = require("path");
            const constants = require(path.join(path.dirname(process.argv[1]), "common/utils/constants.js"));
            let inert = false;
            try { const ai = require("applicationinsights"); inert = ai.noSuchMember === ai; } catch { }
            const Loki = require("lokijs");
            const db = new Loki("probe.db", { autosave: false, autosaveInterval: 5000 });
            console.log([constants.DEFAULT_MAX_EXTENT_SIZE, constants.DEFAULT_EXTENT_GC_PROTECT_TIME_IN_MS, inert, db.autosaveInterval].join(" "));
            """;

        Assert.Equal($"{32 * 1024} {2 * 60 * 1000} True 2000", await NodeAsync(root, probe, main, start.Environment["NODE_OPTIONS"]));
        Assert.Equal($"{64 * 1024 * 1024} {10 * 60 * 1000} False 5000", await NodeAsync(root, probe, main, nodeOptions: null));
    }

    private static async Task<string> NodeAsync(string root, string script, string azuriteMain, string? nodeOptions)
    {
        var info = new System.Diagnostics.ProcessStartInfo("node") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-e", script, azuriteMain, "--disableTelemetry" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("NODE_OPTIONS");
        if (nodeOptions is not null)
        {
            info.Environment["NODE_OPTIONS"] = nodeOptions;
        }

        using var node = System.Diagnostics.Process.Start(info)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        var error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, error);
        return output.Trim().Replace("true", "True", StringComparison.Ordinal).Replace("false", "False", StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureRunningAsync_NothingListening_StartsAzuriteAndStopsItOnDispose()
    {
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteLauncher.WellKnownKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
        var data = Directory.CreateTempSubdirectory("azurite-launch-");
        try
        {
            await using (var launcher = await AzuriteLauncher.EnsureRunningAsync(connection, RepoRoot(), data.FullName))
            {
                Assert.True(launcher.Started);
                var container = new BlobContainerClient(connection, "probe");
                await container.CreateIfNotExistsAsync();
                Assert.True(await container.ExistsAsync());

                await using var second = await AzuriteLauncher.EnsureRunningAsync(connection, RepoRoot(), data.FullName);
                Assert.False(second.Started);
            }

            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, blob));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
