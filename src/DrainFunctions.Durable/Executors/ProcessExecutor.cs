using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Specialized;
using DrainFunctions.Core.Results;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Executors;

/// <summary>
/// Runs the executor command as a child process, with no shell: the template is split into
/// words (POSIX rules) and the placeholders <c>{run_id}</c>, <c>{phase_id}</c>,
/// <c>{phase_index}</c>, <c>{session_id}</c> are filled inside each word. stdout and stderr are
/// appended to their log blobs while the process runs; the whole process tree is killed at the
/// deadline or when stopped.
/// </summary>
public sealed class ProcessExecutor(
    IOptions<ExecutorOptions> executorOptions,
    IOptions<SnapshotOptions> snapshotOptions,
    BlobSessionStore blobs,
    ILogger<ProcessExecutor> logger) : IPhaseExecutor
{
    /// <summary>Output kept in memory per stream for the excerpts and the marker scan.</summary>
    private const int MaxCapturedBytes = 16 * 1024 * 1024;

    /// <summary>Largest append-blob block.</summary>
    private const int MaxAppendBytes = 4 * 1024 * 1024;

    public static IReadOnlyList<string> BuildArguments(string template, ExecutorRequest request, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CommandLine.Build(template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["run_id"] = request.RunId,
            ["phase_id"] = request.PhaseId,
            ["phase_index"] = request.PhaseIndex.ToString(CultureInfo.InvariantCulture),
            ["session_id"] = sessionId,
        });
    }

    /// <summary>The start info for a request: arguments as a list, the workspace, the environment.</summary>
    public ProcessStartInfo CreateStartInfo(ExecutorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = executorOptions.Value;
        var words = BuildArguments(options.EffectiveTemplate, request, request.SessionId);
        if (words.Count == 0)
        {
            throw new InvalidOperationException("the executor command template is empty");
        }

        var info = new ProcessStartInfo(words[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetFullPath(options.Workspace),
            CreateNoWindow = true,
        };
        foreach (var word in words.Skip(1))
        {
            info.ArgumentList.Add(word);
        }

        // The environment of the controller plus the executor's variables.
        info.Environment["DATABASE_URL"] = options.DatabaseUrl;
        info.Environment["TELEMETRY_DB_ENABLED"] = "1";
        info.Environment["PYTHONUTF8"] = "1";
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        var apiUrl = string.IsNullOrEmpty(request.ApiUrl) ? options.ApiUrl : request.ApiUrl;
        if (!string.IsNullOrEmpty(apiUrl))
        {
            info.Environment["AUTOPACK_API_URL"] = apiUrl;
        }

        return info;
    }

    public async Task<ExecutorRun> RunAsync(ExecutorRequest request, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stop = stopToken;
        var stdoutPath = BlobSessionStore.LogBlobName(request.SessionId, request.RunId, request.PhaseId, "stdout");
        var stderrPath = BlobSessionStore.LogBlobName(request.SessionId, request.RunId, request.PhaseId, "stderr");
        using var stdoutLog = new LogSink(await blobs.CreateLogAsync(stdoutPath, stop));
        using var stderrLog = new LogSink(await blobs.CreateLogAsync(stderrPath, stop));
        var info = CreateStartInfo(request);

        using var deadline = new CancellationTokenSource();
        var remaining = request.Deadline - DateTimeOffset.UtcNow;
        deadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop);

        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.Start();
        var pid = process.Id;
        Log.ExecutorStarted(logger, request.RunId, request.PhaseId, pid, info.FileName);
        process.StandardInput.Close();
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, stdoutLog),
            PumpAsync(process.StandardError.BaseStream, stderrLog));
        using var flusherStop = new CancellationTokenSource();
        var flusher = FlushLoopAsync(snapshotOptions.Value.LogFlushInterval, flusherStop.Token, stdoutLog, stderrLog);

        var timedOut = false;
        var stopped = false;
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = deadline.IsCancellationRequested && !stop.IsCancellationRequested;
            stopped = !timedOut;
            Kill(process);
            Log.ExecutorKilled(logger, request.RunId, request.PhaseId, pid, timedOut ? "deadline" : "stop");
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Output pipes close when every process holding them is gone; a leftover grandchild is killed.
        if (await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)) != pumps)
        {
            Kill(process);
            await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }

        watch.Stop();
        await flusherStop.CancelAsync();
        await flusher;
        await stdoutLog.FlushAsync(CancellationToken.None);
        await stderrLog.FlushAsync(CancellationToken.None);

        var stdout = stdoutLog.Text();
        var stderr = stderrLog.Text();
        var boundary = ResultClassifier.ReachedLlmBoundary(stdout, stderr);
        return new ExecutorRun
        {
            ReturnCode = timedOut || stopped ? null : process.ExitCode,
            TimedOut = timedOut,
            Stopped = stopped,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            StdoutExcerpt = ResultClassifier.Excerpt(stdout),
            StderrExcerpt = ResultClassifier.Excerpt(stderr),
            ReachedLlmBoundary = boundary,
            FailedBeforeLlm = !boundary && ResultClassifier.ZeroYieldReason(false, 1, null, stdout, stderr) == "failed_before_llm",
            StdoutPath = stdoutPath,
            StderrPath = stderrPath,
            ProcessId = pid,
        };
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    private static async Task PumpAsync(Stream source, LogSink sink)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer)) > 0)
        {
            sink.Write(buffer.AsSpan(0, read));
        }
    }

    private async Task FlushLoopAsync(TimeSpan interval, CancellationToken cancellationToken, params LogSink[] sinks)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(interval, cancellationToken);
                foreach (var sink in sinks)
                {
                    await sink.FlushAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the final flush happens after the process ended
        }
        catch (Azure.RequestFailedException ex)
        {
            // Logs are best effort while running; the final flush reports through the activity.
            Log.LogFlushFailed(logger, ex.Message);
        }
    }

    /// <summary>Collects a stream in memory (bounded) and appends what is new to its blob on flush.</summary>
    private sealed class LogSink(AppendBlobClient blob) : IDisposable
    {
        private readonly Lock gate = new();
        private readonly MemoryStream captured = new();
        private readonly SemaphoreSlim flushing = new(1, 1);
        private MemoryStream pending = new();

        public void Write(ReadOnlySpan<byte> bytes)
        {
            lock (gate)
            {
                pending.Write(bytes);
                var room = MaxCapturedBytes - (int)captured.Length;
                if (room > 0)
                {
                    captured.Write(bytes[..Math.Min(room, bytes.Length)]);
                }
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            await flushing.WaitAsync(cancellationToken);
            try
            {
                byte[] data;
                lock (gate)
                {
                    if (pending.Length == 0)
                    {
                        return;
                    }

                    data = pending.ToArray();
                    pending = new MemoryStream();
                }

                for (var offset = 0; offset < data.Length; offset += MaxAppendBytes)
                {
                    using var chunk = new MemoryStream(data, offset, Math.Min(MaxAppendBytes, data.Length - offset), writable: false);
                    await blob.AppendBlockAsync(chunk, cancellationToken: cancellationToken);
                }
            }
            finally
            {
                flushing.Release();
            }
        }

        public void Dispose()
        {
            captured.Dispose();
            pending.Dispose();
            flushing.Dispose();
        }

        public string Text()
        {
            lock (gate)
            {
                return Encoding.UTF8.GetString(captured.GetBuffer(), 0, (int)captured.Length);
            }
        }
    }
}
