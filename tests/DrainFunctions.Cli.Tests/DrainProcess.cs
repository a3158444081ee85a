using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace DrainFunctions.Cli.Tests;

/// <summary>The real <c>./drain</c> launcher as a child process, with its own task hub and database.</summary>
internal sealed class DrainProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly BlockingCollection<string> lines = [];

    private DrainProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>GNU env, which can reset a signal's disposition before it runs a program.</summary>
    private const string EnvProgram = "/usr/bin/env";

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string Stdout
    {
        get
        {
            lock (stdout)
            {
                return stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    public static DrainProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // A test suite started in the background by a non-interactive shell ignores SIGINT, and
        // children inherit that: the Ctrl-C tests would then send a signal nobody sees. env resets
        // it to the default before the launcher runs, as a terminal would have it.
        var launcher = Path.Combine(CliRunner.RepoRoot(), "drain");
        var start = new ProcessStartInfo(File.Exists(EnvProgram) ? EnvProgram : launcher)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (File.Exists(EnvProgram))
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(launcher);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return new DrainProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start ./drain"));
    }

    /// <summary>Waits until a line of standard output satisfies <paramref name="match"/>.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (lines.TryTake(out var line, TimeSpan.FromMilliseconds(200)) && match(line))
            {
                return line;
            }
        }

        throw new TimeoutException($"no matching line within {timeout}; stdout so far:\n{Stdout}\nstderr:\n{Stderr}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"./drain did not exit within {timeout}; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash would: only this process, not its children.</summary>
    public void Crash() => process.Kill(entireProcessTree: false);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
        lines.Dispose();
    }
}
