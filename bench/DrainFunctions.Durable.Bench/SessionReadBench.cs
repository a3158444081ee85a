using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Data;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;

/// <summary>
/// Issue 17's "under 1 s warm with 1,000 stored sessions": stores N sessions of one database, then
/// runs the real <c>./drain</c> for <c>sessions list</c>, <c>report ID</c> and <c>status ID</c> and
/// prints the median of 5 runs after one warm-up.
/// </summary>
internal static class SessionReadBench
{
    public static async Task RunAsync(string azurite, int count)
    {
        var dir = Path.Combine(Path.GetTempPath(), "drain-session-bench", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var databaseUrl = "sqlite:///" + Path.Combine(dir, "autopack.db");
        var url = DatabaseUrl.Parse(databaseUrl);
        await BacklogSchema.InitAsync(url);
        var container = "sessbench-" + Guid.NewGuid().ToString("N")[..12];
        var store = new BlobSessionStore(new BlobServiceClient(azurite), Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ContainerName = container, Backlog = url.Backlog.Canonical }));
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var session = DrainSession.Start(start.AddMinutes(i), 10);
            session.CompletedAt = Iso8601.Format(start.AddMinutes(i).AddSeconds(50));
            for (var r = 0; r < 10; r++)
            {
                var result = new DrainResult { RunId = $"run-{r % 3}", PhaseId = $"phase-{r}", FinalState = "FAILED", Timestamp = Iso8601.Format(start.AddMinutes(i)), ErrorMessage = "ImportError: x" };
                session.Results.Add(result);
                session.State.TotalProcessed++;
                session.State.TotalFailed++;
            }

            await store.SaveAsync(session, null, 0, token);
            for (var r = 0; r < session.Results.Count; r++)
            {
                await store.SaveAsync(session, session.Results[r], r, token);
            }
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored {count} sessions of 10 results in {watch.Elapsed.TotalSeconds:F1} s (container {container})"));

        var newest = SessionIds.FromStart(start.AddMinutes(count - 1));
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["AzureWebJobsStorage"] = azurite,
            ["Snapshots__ContainerName"] = container,
            ["DURABLE_TASK_HUB_NAME"] = "sessbench" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var args in new[] { new[] { "sessions", "list" }, ["report", newest], ["status", newest] })
        {
            var times = new List<double>();
            for (var run = 0; run < 6; run++)
            {
                var (seconds, lines) = await RunDrainAsync(environment, args);
                if (run > 0)
                {
                    times.Add(seconds);
                }

                if (run == 0 && args[0] == "sessions" && lines != count)
                {
                    throw new InvalidOperationException($"sessions list printed {lines} lines for {count} sessions");
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  drain {string.Join(' ', args[0], args[0] == "sessions" ? args[1] : "ID")}: median {times[times.Count / 2]:F2} s (of {times.Count} warm runs; min {times[0]:F2}, max {times[^1]:F2})"));
        }

        await new BlobServiceClient(azurite).GetBlobContainerClient(container).DeleteIfExistsAsync();
        Directory.Delete(dir, recursive: true);
    }

    private static async Task<(double Seconds, int Lines)> RunDrainAsync(Dictionary<string, string> environment, string[] args)
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DrainFunctions.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/')) ?? throw new InvalidOperationException("run the bench from inside the repository");
        }

        var start = new ProcessStartInfo(Path.Combine(root, "drain")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        watch.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"drain {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }

        return (watch.Elapsed.TotalSeconds, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
