using System.Diagnostics;
using System.Globalization;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Executors;

/// <summary>
/// Runs the executor command as a child process; its words are never parsed by a shell: the
/// template is split into words (POSIX rules) and the placeholders (<see cref="CommandLine.Placeholders"/>)
/// are filled inside each word. A slot of a parallel drain gives its own API server and workspace.
/// Every process of the attempt is contained (<see cref="AttemptProcesses"/>): at the deadline,
/// on stop, and when the executor exits, whatever it started is killed too. stdout and stderr are
/// streamed to their logs in bounded memory (<see cref="LogCapture"/>): blobs on the drain's host, the server on an agent.
/// </summary>
public sealed class ProcessExecutor(
    IOptions<ExecutorOptions> executorOptions,
    IOptions<SnapshotOptions> snapshotOptions,
    ILogSinks logs,
    AttemptProcesses processes,
    ILogger<ProcessExecutor> logger) : IPhaseExecutor
{
    public static IReadOnlyList<string> BuildArguments(string template, ExecutorRequest request, string sessionId, ExecutorOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        return CommandLine.Build(template, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["run_id"] = request.RunId,
            ["phase_id"] = request.PhaseId,
            ["phase_index"] = request.PhaseIndex.ToString(CultureInfo.InvariantCulture),
            ["session_id"] = sessionId,
            ["slot"] = request.Slot.ToString(CultureInfo.InvariantCulture),
            ["api_url"] = ApiUrlOf(request, options) ?? string.Empty,
            ["workspace"] = WorkspaceOf(request, options),
        });
    }

    private static string? ApiUrlOf(ExecutorRequest request, ExecutorOptions options) =>
        string.IsNullOrEmpty(request.ApiUrl) ? (string.IsNullOrEmpty(options.ApiUrl) ? null : options.ApiUrl) : request.ApiUrl;

    private static string WorkspaceOf(ExecutorRequest request, ExecutorOptions options) =>
        Path.GetFullPath(string.IsNullOrEmpty(request.Workspace) ? options.Workspace : request.Workspace);

    /// <summary>The start info for a request: arguments as a list, the workspace, the environment.</summary>
    public ProcessStartInfo CreateStartInfo(ExecutorRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = executorOptions.Value;
        var words = BuildArguments(options.EffectiveTemplate, request, request.SessionId, options);
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
            WorkingDirectory = WorkspaceOf(request, options),
            CreateNoWindow = true,
        };
        foreach (var word in words.Skip(1))
        {
            info.ArgumentList.Add(word);
        }

        // The environment of the controller plus the executor's variables (an agent without a
        // database URL of its own leaves the one of its environment, if any, to the executor).
        if (!string.IsNullOrEmpty(options.DatabaseUrl))
        {
            info.Environment["DATABASE_URL"] = options.DatabaseUrl;
        }

        info.Environment["TELEMETRY_DB_ENABLED"] = "1";
        info.Environment["PYTHONUTF8"] = "1";
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        if (ApiUrlOf(request, options) is { } apiUrl)
        {
            info.Environment["AUTOPACK_API_URL"] = apiUrl;
        }

        // The OpenTelemetry convention for a child process: what the executor records joins the phase's trace.
        if (request.TraceParent is { } traceParent)
        {
            info.Environment["TRACEPARENT"] = traceParent;
        }

        return info;
    }

    public async Task<ExecutorRun> RunAsync(ExecutorRequest request, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stop = stopToken;
        var attemptId = request.AttemptId ?? Guid.NewGuid().ToString("N");
        var snapshots = snapshotOptions.Value;
        var stdoutPath = BlobSessionStore.LogBlobName(request.SessionId, request.RunId, request.PhaseId, "stdout");
        var stderrPath = BlobSessionStore.LogBlobName(request.SessionId, request.RunId, request.PhaseId, "stderr");
        var info = CreateStartInfo(request);
        processes.Prepare(attemptId, info);

        await logs.PrepareAsync(stdoutPath);
        var stdoutLog = new LogCapture(logs.Open(request, stdoutPath, "stdout"), snapshots.LogBufferBytes, snapshots.LogFlushInterval, logger);
        var stderrLog = new LogCapture(logs.Open(request, stderrPath, "stderr"), snapshots.LogBufferBytes, snapshots.LogFlushInterval, logger);

        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch
        {
            await Task.WhenAll(stdoutLog.FinishAsync(snapshots.LogFinalFlushTimeout), stderrLog.FinishAsync(snapshots.LogFinalFlushTimeout));
            processes.Release(attemptId);
            throw;
        }

        var pid = process.Id;
        var main = new AttemptProcess(pid, AttemptProcesses.StartTicks(pid) ?? 0);
        Log.ExecutorStarted(logger, request.RunId, request.PhaseId, pid, request.AttemptId is null ? info.FileName : $"{info.FileName}, attempt {attemptId}, {processes.Mode}");
        process.StandardInput.Close();
        var pumps = Task.WhenAll(
            stdoutLog.PumpAsync(process.StandardOutput.BaseStream),
            stderrLog.PumpAsync(process.StandardError.BaseStream));

        // Recording the pid must not hold the run (storage may be slow): it goes on beside it.
        var noted = request.OnStarted is { } onStarted ? NoteStartedAsync(onStarted, main) : Task.CompletedTask;

        var end = await WaitForExitAsync(process, request, stop);
        var timedOut = end == ExitWait.DeadlinePassed;
        var stopped = end == ExitWait.Stopped;
        if (end != ExitWait.Exited)
        {
            await processes.KillAllAsync(attemptId, main, CancellationToken.None);
            Kill(process);
            Log.ExecutorKilled(logger, request.RunId, request.PhaseId, pid, timedOut ? "deadline" : "stop");
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Output pipes close when every process holding them is gone. Whatever the executor left
        // behind (background children, daemons) ends with the phase: nothing it started outlives it.
        await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        if (processes.FindAlive(attemptId, main).Count > 0)
        {
            await processes.KillAllAsync(attemptId, main, CancellationToken.None);
        }

        if (await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)) != pumps)
        {
            Kill(process);
        }

        watch.Stop();
        await Task.WhenAll(stdoutLog.FinishAsync(snapshots.LogFinalFlushTimeout), stderrLog.FinishAsync(snapshots.LogFinalFlushTimeout));
        await noted;
        processes.Release(attemptId);

        var (boundary, failedBefore) = OutputScanner.Combine(stdoutLog.Scanner, stderrLog.Scanner);
        return new ExecutorRun
        {
            ReturnCode = timedOut || stopped ? null : process.ExitCode,
            TimedOut = timedOut,
            Stopped = stopped,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3),
            StdoutExcerpt = stdoutLog.Excerpt(),
            StderrExcerpt = stderrLog.Excerpt(),
            ReachedLlmBoundary = boundary,
            FailedBeforeLlm = failedBefore,
            StdoutPath = stdoutPath,
            StderrPath = stderrPath,
            ProcessId = pid,
            OutputBytes = stdoutLog.TotalBytes + stderrLog.TotalBytes,
        };
    }

    private enum ExitWait
    {
        Exited,
        DeadlinePassed,
        Stopped,
    }

    /// <summary>
    /// Waits for the process to exit, for its deadline, or for a stop. When the deadline comes the
    /// request is asked whether it moved on (<see cref="ExecutorRequest.ReadDeadline"/>): if so the
    /// wait goes on until the new one.
    /// </summary>
    private async Task<ExitWait> WaitForExitAsync(Process process, ExecutorRequest request, CancellationToken stop)
    {
        var due = request.Deadline;
        while (true)
        {
            using var deadline = new CancellationTokenSource();
            var remaining = due - DateTimeOffset.UtcNow;
            deadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stop);
            try
            {
                await process.WaitForExitAsync(either.Token);
                return ExitWait.Exited;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return ExitWait.Stopped;
            }
            catch (OperationCanceledException)
            {
                if (await MovedDeadlineAsync(request, due, stop) is not { } moved)
                {
                    return stop.IsCancellationRequested ? ExitWait.Stopped : ExitWait.DeadlinePassed;
                }

                Log.DeadlineMoved(logger, request.AttemptId ?? request.PhaseId, moved);
                due = moved;
            }
        }
    }

    /// <summary>
    /// The deadline <paramref name="due"/> as the drain decided it, when it moved on; null: it stays
    /// (also when it cannot be read). An undecided one waits up to the patience for the drain's look.
    /// </summary>
    private async Task<DateTimeOffset?> MovedDeadlineAsync(ExecutorRequest request, DateTimeOffset due, CancellationToken stop)
    {
        if (request.ReadDeadline is not { } read)
        {
            return null;
        }

        try
        {
            return await DeadlineVerdicts.AwaitAsync(read, due, request.DeadlinePatience, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ProgressCheckFailed(logger, request.AttemptId ?? request.PhaseId, ex.Message);
            return null;
        }
    }

    private async Task NoteStartedAsync(Func<AttemptProcess, Task> onStarted, AttemptProcess main)
    {
        try
        {
            await onStarted(main);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AttemptMarkerUpdateFailed(logger, "(started)", ex.Message);
        }
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
}
