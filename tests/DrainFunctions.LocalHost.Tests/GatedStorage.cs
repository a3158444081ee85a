using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DrainFunctions.LocalHost.Tests;

/// <summary>
/// Azurite behind a gate: every endpoint of the connection string gets a local port that accepts
/// connections at once but carries them to Azurite only once <see cref="Open"/> is called. A test
/// holds a host's storage calls (the task hub's creation among them) for as long as it needs,
/// instead of racing them.
/// </summary>
internal sealed partial class GatedStorage : IAsyncDisposable
{
    private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stopping = new();
    private readonly List<TcpListener> listeners = [];
    private readonly List<Task> acceptLoops = [];

    public GatedStorage(string connectionString)
    {
        ConnectionString = LocalEndpointPort().Replace(connectionString, match =>
        {
            var target = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            listeners.Add(listener);
            acceptLoops.Add(AcceptAsync(listener, target));
            return match.Groups["prefix"].Value + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        });
        if (listeners.Count == 0)
        {
            throw new ArgumentException("no http://127.0.0.1:PORT endpoint in the connection string", nameof(connectionString));
        }
    }

    public string ConnectionString { get; }

    public void Open() => opened.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        await Task.WhenAll(acceptLoops);
        stopping.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, int target)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stopping.Token);
                _ = CarryAsync(client, target);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed: no more connections.
        }
    }

    private async Task CarryAsync(TcpClient client, int target)
    {
        using (client)
        {
            try
            {
                await opened.Task.WaitAsync(stopping.Token);
                using var azurite = new TcpClient();
                await azurite.ConnectAsync(IPAddress.Loopback, target, stopping.Token);
                var fromClient = client.GetStream();
                var fromAzurite = azurite.GetStream();
                // Either side closing ends the connection, as it would have without the gate.
                await Task.WhenAny(fromClient.CopyToAsync(fromAzurite, stopping.Token), fromAzurite.CopyToAsync(fromClient, stopping.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
            {
                // The test ended or a side hung up.
            }
        }
    }

    [GeneratedRegex(@"(?<prefix>Endpoint=http://127\.0\.0\.1:)(?<port>\d+)")]
    private static partial Regex LocalEndpointPort();
}
