using System.Diagnostics;
using System.Net.Sockets;

namespace DrainFunctions.LocalHost;

/// <summary>
/// Starts Azurite (from the repository's npm install) when the storage setting points at the
/// emulator on this machine and nothing listens there, and stops it again when disposed. An
/// Azurite that was already running is used and left alone.
/// </summary>
public sealed class AzuriteLauncher : IAsyncDisposable
{
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";
    public const string WellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process? process;

    private AzuriteLauncher(Process? process, bool started)
    {
        this.process = process;
        Started = started;
    }

    /// <summary>Whether this launcher started Azurite (and so will stop it).</summary>
    public bool Started { get; }

    /// <summary>The blob, queue and table ports a connection string points at on loopback, or null.</summary>
    public static (int Blob, int Queue, int Table)? LoopbackPorts(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (connectionString.Trim().Equals(DevelopmentStorage, StringComparison.OrdinalIgnoreCase))
        {
            return (10000, 10001, 10002);
        }

        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        int? Port(string key) =>
            parts.TryGetValue(key, out var value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsLoopback ? uri.Port : null;
        return Port("BlobEndpoint") is { } blob && Port("QueueEndpoint") is { } queue && Port("TableEndpoint") is { } table
            ? (blob, queue, table)
            : null;
    }

    public static async Task<AzuriteLauncher> EnsureRunningAsync(string connectionString, string repositoryRoot, string dataFolder, TextWriter? progress = null, CancellationToken cancellationToken = default)
    {
        if (LoopbackPorts(connectionString) is not { } ports || await IsListeningAsync(ports.Blob, cancellationToken))
        {
            return new AzuriteLauncher(null, started: false);
        }

        var azurite = Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            progress?.WriteLine("Installing Azurite (npm install, once)...");
            await RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], repositoryRoot, cancellationToken);
            if (!File.Exists(azurite))
            {
                throw new StorageUnavailableException($"npm install did not provide {azurite}; install Node.js and npm, or start Azurite yourself.");
            }
        }

        Directory.CreateDirectory(dataFolder);
        var start = CreateStartInfo(repositoryRoot, dataFolder, ports);
        var process = Process.Start(start) ?? throw new StorageUnavailableException("could not start Azurite");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launcher = new AzuriteLauncher(process, started: true);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await IsListeningAsync(ports.Blob, cancellationToken) && await IsListeningAsync(ports.Queue, cancellationToken) && await IsListeningAsync(ports.Table, cancellationToken)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await launcher.DisposeAsync();
                throw new StorageUnavailableException($"Azurite did not start on 127.0.0.1:{ports.Blob}-{ports.Table} (is the port taken by something else?)");
            }

            await Task.Delay(25, cancellationToken);
        }

        progress?.WriteLine($"Started Azurite on 127.0.0.1:{ports.Blob} (data in {dataFolder})");
        return launcher;
    }

    /// <summary>
    /// How to start the repository's Azurite on loopback with its data in <paramref name="dataFolder"/>:
    /// telemetry off, and with <c>scripts/azurite-preload.cjs</c> when it is there, which keeps
    /// Azurite from loading the telemetry SDK it will not use (listening in ~0.35 s instead of ~0.8 s).
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(string repositoryRoot, string dataFolder, (int Blob, int Queue, int Table) ports)
    {
        var start = new ProcessStartInfo(Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repositoryRoot,
        };
        foreach (var arg in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--location", dataFolder,
            "--blobHost", "127.0.0.1", "--blobPort", ports.Blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports.Queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports.Table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        var preload = Path.Combine(repositoryRoot, "scripts", "azurite-preload.cjs");
        if (File.Exists(preload))
        {
            var inherited = Environment.GetEnvironmentVariable("NODE_OPTIONS");
            start.Environment["NODE_OPTIONS"] = $"--require \"{preload}\"" + (string.IsNullOrWhiteSpace(inherited) ? string.Empty : " " + inherited);
        }

        return start;
    }

    public async ValueTask DisposeAsync()
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            // SIGTERM first: Azurite saves its metadata database on the way out. A plain kill loses
            // the writes of its last seconds (seen here: a ledger update that came back undone).
            _ = SendSignal(process.Id, SigTerm);
            using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(graceful.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string[] args, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new StorageUnavailableException($"could not start {file}");
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new StorageUnavailableException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}");
        }
    }
}
