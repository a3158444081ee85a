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
