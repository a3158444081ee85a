using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DrainFunctions.Tests.Shared;

/// <summary>
/// Services a test may stop and start again (real outages), private to the test: never the
/// shared ones of ./scripts/test.sh. Loopback only, free ports, always removed on dispose.
/// </summary>
internal static class Tools
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<string> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }

        return await stdout;
    }

    public static async Task WaitForPortAsync(int port, bool open, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (IsOpen(port) == open)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"port {port} did not become {(open ? "open" : "closed")} within {within}");
    }

    private static bool IsOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A throw-away PostgreSQL cluster (initdb, pg_ctl as the postgres user, as scripts/services.sh does).</summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string folder;
    private readonly string bin;
    private readonly string password = "pw-" + Guid.NewGuid().ToString("N")[..10];

    private PrivatePostgres(string folder, string bin, int port)
    {
        this.folder = folder;
        this.bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string Password => password;

    public string Url => $"postgresql://postgres:{password}@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/postgres";

    /// <summary>The Npgsql form of <see cref="Url"/>.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Password={password};Database=postgres";

    private string Data => Path.Combine(folder, "data");

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException("PostgreSQL is not installed (./scripts/test.sh installs it)");
        var folder = Path.Combine("/tmp", "drain-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var pg = new PrivatePostgres(folder, bin, Tools.FreePort());
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "pw"), pg.password);
            await Tools.RunAsync("chmod", ["755", folder]);
            await Tools.RunAsync("chown", ["-R", "postgres:postgres", folder]);
            await pg.AsPostgresAsync("initdb", "-D", pg.Data, "-U", "postgres", "--pwfile=" + Path.Combine(folder, "pw"), "-A", "scram-sha-256", "-E", "UTF8");
            await pg.StartAgainAsync();
            return pg;
        }
        catch
        {
            await pg.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the server (again) on the same port and data. Commits are synchronous: with
    /// asynchronous commits an immediate stop loses the last ones, which no drain can see.
    /// </summary>
    public async Task StartAgainAsync()
    {
        await AsPostgresAsync("pg_ctl", "-D", Data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100", "start");
        await Tools.WaitForPortAsync(Port, open: true, TimeSpan.FromSeconds(30));
    }

    /// <summary>An outage: the server stops at once (connections cut, new ones refused).</summary>
    public async Task StopAsync()
    {
        await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        await Tools.WaitForPortAsync(Port, open: false, TimeSpan.FromSeconds(30));
    }

    private Task<string> AsPostgresAsync(string tool, params string[] args) =>
        Tools.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. args]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // not running
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A private Azurite (from the repository's node_modules) with its data on disk, so that it can be stopped and started again.</summary>
internal sealed class PrivateAzurite : IAsyncDisposable
{
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string folder;
    private readonly string repositoryRoot;
    private Process? process;

    private PrivateAzurite(string folder, string repositoryRoot)
    {
        this.folder = folder;
        this.repositoryRoot = repositoryRoot;
        BlobPort = Tools.FreePort();
        QueuePort = Tools.FreePort();
        TablePort = Tools.FreePort();
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Key
        + $";BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public static async Task<PrivateAzurite> StartAsync(string repositoryRoot)
    {
        var binary = Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"{binary} is missing: run npm install (./scripts/test.sh does)");
        }

        var azurite = new PrivateAzurite(Path.Combine("/tmp", "drain-azurite-" + Guid.NewGuid().ToString("N")[..12]), repositoryRoot);
        Directory.CreateDirectory(azurite.folder);
        await azurite.StartAgainAsync();
        return azurite;
    }

    public async Task StartAgainAsync()
    {
        var info = DrainFunctions.LocalHost.AzuriteLauncher.CreateStartInfo(repositoryRoot, folder, (BlobPort, QueuePort, TablePort));
        process = Process.Start(info) ?? throw new InvalidOperationException("could not start Azurite");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            await Tools.WaitForPortAsync(port, open: true, TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>An outage: SIGTERM (Azurite saves its data and exits), every port closed.</summary>
    public async Task StopAsync()
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        await Tools.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        process = null;
        foreach (var port in new[] { BlobPort, QueuePort, TablePort })
        {
            await Tools.WaitForPortAsync(port, open: false, TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
