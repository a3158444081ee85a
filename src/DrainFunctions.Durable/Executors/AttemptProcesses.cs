using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Executors;

/// <summary>How the processes of an attempt are kept together.</summary>
public enum ContainmentMode
{
    /// <summary>
    /// A cgroup v2 per attempt: the executor joins it before it runs anything, every descendant
    /// stays in it whatever it does (setsid, double fork), and <c>cgroup.kill</c> ends them all at once.
    /// </summary>
    Cgroup,

    /// <summary>
    /// No writable cgroup v2: every process of the attempt inherits <c>DRAIN_ATTEMPT_ID</c> and is
    /// found by scanning <c>/proc/*/environ</c> (setsid and double-forked ones too).
    /// </summary>
    Tag,

    /// <summary>Not Linux: the executor's process tree only.</summary>
    Tree,
}

/// <summary>The executor's main process, as the attempt marker records it: pid and start time (to tell a reused pid).</summary>
public sealed record AttemptProcess(int Pid, long StartTicks);

/// <summary>
/// Finds and ends every process an attempt started, including after the host that started them
/// was killed (the cgroup and the environment tag outlive it). Addressed by attempt id only, so a
/// redelivered activity, <c>RestorePhase</c> or a restarted host can reach an attempt's processes.
/// </summary>
public sealed partial class AttemptProcesses
{
    public const string TagVariable = "DRAIN_ATTEMPT_ID";

    /// <summary>
    /// Joins the attempt's cgroup, then replaces itself with the executor: the executor's words are
    /// passed as arguments and executed as they are ("$@"); the shell never parses them.
    /// </summary>
    private const string JoinScript = "echo $$ > \"$1\" && shift && exec \"$@\"";

    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);
    private readonly ILogger<AttemptProcesses> logger;

    public AttemptProcesses(IOptions<ExecutorOptions> options, ILogger<AttemptProcesses> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.logger = logger;
        (Mode, CgroupRoot) = Detect(options.Value.Containment, options.Value.CgroupRoot, logger);
    }

    public ContainmentMode Mode { get; }

    private string ModeName => Mode switch
    {
        ContainmentMode.Cgroup => "cgroup",
        ContainmentMode.Tag => "tag",
        _ => "tree",
    };

    /// <summary>The folder under which each attempt gets its cgroup (cgroup mode only).</summary>
    public string? CgroupRoot { get; }

    /// <summary>This machine, for an attempt marker: a restarted host on another machine cannot see the processes.</summary>
    public static string MachineName => Environment.MachineName;

    /// <summary>Changes at every boot: processes recorded under another boot id are gone.</summary>
    public static string BootId
    {
        get
        {
            try
            {
                return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            }
            catch (IOException)
            {
                return string.Empty;
            }
            catch (UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }
    }

    public string? CgroupOf(string attemptId) => Mode == ContainmentMode.Cgroup ? Path.Combine(CgroupRoot!, SafeName(attemptId)) : null;

    /// <summary>
    /// Tags the start info with the attempt and, in cgroup mode, makes the process join the
    /// attempt's cgroup before it runs the executor. Returns the cgroup folder, if any.
    /// </summary>
    public string? Prepare(string attemptId, ProcessStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.Environment[TagVariable] = attemptId;
        var cgroup = CgroupOf(attemptId);
        if (cgroup is null)
        {
            return null;
        }

        Directory.CreateDirectory(cgroup);
        var words = new List<string> { ResolveExecutable(info.FileName, info.Environment.TryGetValue("PATH", out var path) ? path : null) };
        words.AddRange(info.ArgumentList);
        info.FileName = "/bin/sh";
        info.ArgumentList.Clear();
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(JoinScript);
        info.ArgumentList.Add("drain-attempt");
        info.ArgumentList.Add(Path.Combine(cgroup, "cgroup.procs"));
        foreach (var word in words)
        {
            info.ArgumentList.Add(word);
        }

        return cgroup;
    }

    /// <summary>
    /// The executable as <see cref="Process.Start()"/> would find it (absolute; the host's
    /// directory; the current directory; PATH), so that the shell's exec runs the same file.
    /// </summary>
    public static string ResolveExecutable(string fileName, string? pathVariable)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (Path.IsPathRooted(fileName))
        {
            return fileName;
        }

        var candidates = new List<string>();
        if (Environment.ProcessPath is { } host && Path.GetDirectoryName(host) is { } hostDir)
        {
            candidates.Add(Path.Combine(hostDir, fileName));
        }

        candidates.Add(Path.Combine(Directory.GetCurrentDirectory(), fileName));
        if (!fileName.Contains('/', StringComparison.Ordinal))
        {
            foreach (var dir in (pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                candidates.Add(Path.Combine(dir, fileName));
            }
        }

        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new FileNotFoundException($"the executor '{fileName}' was not found (looked in the host's folder, the current folder and PATH)", fileName);
    }

    /// <summary>
    /// Live processes of the attempt: the cgroup's members, the processes tagged with the attempt
    /// (<paramref name="thorough"/>: a scan of /proc), and the recorded main process if its start
    /// time still matches. Zombies do not count.
    /// </summary>
    public IReadOnlySet<int> FindAlive(string attemptId, AttemptProcess? main = null, bool thorough = true)
    {
        var pids = new SortedSet<int>();
        if (Mode == ContainmentMode.Tree)
        {
            if (main is not null && IsSameProcess(main))
            {
                pids.Add(main.Pid);
            }

            return pids;
        }

        if (CgroupOf(attemptId) is { } cgroup)
        {
            foreach (var pid in ReadPids(Path.Combine(cgroup, "cgroup.procs")))
            {
                pids.Add(pid);
            }
        }

        if (thorough || Mode == ContainmentMode.Tag)
        {
            pids.UnionWith(ScanTagged(attemptId));
        }

        if (main is not null && IsSameProcess(main))
        {
            pids.Add(main.Pid);
        }

        pids.Remove(Environment.ProcessId);
        pids.RemoveWhere(pid => !IsAlive(pid));
        return pids;
    }

    /// <summary>
    /// Ends every process of the attempt (SIGKILL) and waits until none is left (bounded). Returns
    /// how many were found. Safe to repeat; does nothing when none runs.
    /// </summary>
    public async Task<int> KillAllAsync(string attemptId, AttemptProcess? main = null, CancellationToken cancellationToken = default)
    {
        var seen = new HashSet<int>();
        if (CgroupOf(attemptId) is { } cgroup && Directory.Exists(cgroup))
        {
            seen.UnionWith(ReadPids(Path.Combine(cgroup, "cgroup.procs")));
            if (seen.Count > 0)
            {
                await KillCgroupAsync(cgroup, cancellationToken);
            }
        }

        // Whatever is left (tagged processes that left the cgroup, the tag fallback): kill what a
        // scan finds until a scan finds nothing, so that a process forking meanwhile is caught too.
        var until = DateTime.UtcNow + KillWait;
        while (DateTime.UtcNow < until)
        {
            var alive = FindAlive(attemptId, main, thorough: true);
            if (alive.Count == 0)
            {
                break;
            }

            foreach (var pid in alive)
            {
                seen.Add(pid);
                SignalKill(pid);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        var left = FindAlive(attemptId, main, thorough: true);
        if (left.Count > 0 && logger.IsEnabled(LogLevel.Warning))
        {
            Log.ProcessesSurvived(logger, attemptId, string.Join(' ', left));
        }
        else if (seen.Count > 0)
        {
            Log.ProcessesKilled(logger, attemptId, seen.Count, ModeName);
        }

        return seen.Count;
    }

    /// <summary>Waits until no process of the attempt is left, or <paramref name="until"/>; true when none is left.</summary>
    public async Task<bool> WaitAllGoneAsync(string attemptId, AttemptProcess? main, DateTimeOffset until, TimeSpan poll, CancellationToken cancellationToken)
    {
        var rounds = 0;
        while (true)
        {
            // The cgroup and the main pid are cheap to read; the /proc scan only every few rounds.
            var alive = FindAlive(attemptId, main, thorough: rounds++ % 8 == 0);
            if (alive.Count == 0 && FindAlive(attemptId, main, thorough: true).Count == 0)
            {
                return true;
            }

            if (DateTimeOffset.UtcNow >= until)
            {
                return false;
            }

            var wait = until - DateTimeOffset.UtcNow;
            await Task.Delay(wait < poll ? wait : poll, cancellationToken);
        }
    }

    /// <summary>Removes the attempt's cgroup once it is empty (best effort).</summary>
    public void Release(string attemptId)
    {
        if (CgroupOf(attemptId) is not { } cgroup || !Directory.Exists(cgroup))
        {
            return;
        }

        try
        {
            Directory.Delete(cgroup);
        }
        catch (IOException ex)
        {
            Log.CgroupNotRemoved(logger, cgroup, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.CgroupNotRemoved(logger, cgroup, ex.Message);
        }
    }

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null.</summary>
    public static long? StartTicks(int pid)
    {
        var fields = StatFields(pid);
        return fields is { Length: > 19 } && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    public static bool IsAlive(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        var fields = StatFields(pid);
        return fields is { Length: > 0 } && fields[0] is not ("Z" or "X" or "x");
    }

    private static bool IsSameProcess(AttemptProcess main) =>
        IsAlive(main.Pid) && (!OperatingSystem.IsLinux() || main.StartTicks <= 0 || StartTicks(main.Pid) == main.StartTicks);

    /// <summary>The fields of /proc/PID/stat after the command name (state first), or null.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = text.LastIndexOf(')');
            return close < 0 || close + 2 > text.Length ? null : text[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void SignalKill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // gone already
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // not ours to kill, or gone
        }
    }

    private async Task KillCgroupAsync(string cgroup, CancellationToken cancellationToken)
    {
        var kill = Path.Combine(cgroup, "cgroup.kill");
        try
        {
            if (File.Exists(kill))
            {
                await File.WriteAllTextAsync(kill, "1", cancellationToken);
                return;
            }

            // Kernels before 5.14: freeze the group so that nothing forks, kill every member, thaw.
            var freeze = Path.Combine(cgroup, "cgroup.freeze");
            await File.WriteAllTextAsync(freeze, "1", cancellationToken);
            for (var i = 0; i < 20 && !File.ReadAllText(Path.Combine(cgroup, "cgroup.events")).Contains("frozen 1", StringComparison.Ordinal); i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
            }

            foreach (var pid in ReadPids(Path.Combine(cgroup, "cgroup.procs")))
            {
                SignalKill(pid);
            }

            await File.WriteAllTextAsync(freeze, "0", cancellationToken);
        }
        catch (IOException ex)
        {
            Log.CgroupKillFailed(logger, cgroup, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            Log.CgroupKillFailed(logger, cgroup, ex.Message);
        }
    }

    private static List<int> ReadPids(string procsFile)
    {
        var pids = new List<int>();
        try
        {
            foreach (var line in File.ReadAllLines(procsFile))
            {
                if (int.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    pids.Add(pid);
                }
            }
        }
        catch (IOException)
        {
            // no such cgroup (never created, or removed)
        }
        catch (UnauthorizedAccessException)
        {
        }

        return pids;
    }

    /// <summary>Processes whose environment holds <c>DRAIN_ATTEMPT_ID=&lt;attemptId&gt;</c>.</summary>
    private static List<int> ScanTagged(string attemptId)
    {
        var found = new List<int>();
        if (!OperatingSystem.IsLinux())
        {
            return found;
        }

        var needle = Encoding.UTF8.GetBytes(TagVariable + "=" + attemptId + "\0");
        var buffer = new byte[64 * 1024];
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                using var stream = new FileStream(Path.Combine(dir, "environ"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
                var length = 0;
                int read;
                while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
                {
                    length += read;
                }

                if (ContainsVariable(buffer.AsSpan(0, length), needle))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // exited meanwhile, or a kernel thread
            }
            catch (UnauthorizedAccessException)
            {
                // another user's process: not one of ours
            }
        }

        return found;
    }

    /// <summary>True when <paramref name="needle"/> (NAME=value\0) starts the block or follows a NUL.</summary>
    internal static bool ContainsVariable(ReadOnlySpan<byte> environ, ReadOnlySpan<byte> needle)
    {
        var offset = 0;
        while (offset < environ.Length)
        {
            var index = environ[offset..].IndexOf(needle);
            if (index < 0)
            {
                return false;
            }

            var at = offset + index;
            if (at == 0 || environ[at - 1] == 0)
            {
                return true;
            }

            offset = at + 1;
        }

        return false;
    }

    /// <summary>Attempt ids are the orchestrator's GUIDs; anything else gets a hashed folder name.</summary>
    internal static string SafeName(string attemptId)
    {
        ArgumentException.ThrowIfNullOrEmpty(attemptId);
        return SafeId().IsMatch(attemptId)
            ? attemptId
            : "h" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(attemptId)))[..32];
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeId();

    private static (ContainmentMode Mode, string? Root) Detect(string? configured, string? rootOverride, ILogger logger)
    {
        var wanted = (configured ?? "auto").Trim().ToLowerInvariant();
        if (!OperatingSystem.IsLinux())
        {
            return (ContainmentMode.Tree, null);
        }

        if (wanted == "tag")
        {
            return (ContainmentMode.Tag, null);
        }

        var root = string.IsNullOrWhiteSpace(rootOverride) ? DefaultCgroupRoot() : rootOverride;
        string? why = root is null ? "no cgroup v2 hierarchy is mounted" : null;
        if (root is not null && ProbeCgroup(root) is { } failure)
        {
            why = failure;
        }

        if (why is null)
        {
            return (ContainmentMode.Cgroup, root);
        }

        if (wanted == "cgroup")
        {
            throw new InvalidOperationException($"Executor:Containment is 'cgroup' but cgroups cannot be used: {why}");
        }

        Log.ContainmentFallback(logger, why);
        return (ContainmentMode.Tag, null);
    }

    /// <summary>&lt;cgroup2 mount&gt;&lt;this process's cgroup&gt;/drain-attempts, or null without cgroup v2.</summary>
    private static string? DefaultCgroupRoot()
    {
        try
        {
            string? mount = null;
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // "... mount-point options ... - fstype source super-options"
                var dash = line.IndexOf(" - ", StringComparison.Ordinal);
                if (dash < 0 || !line[(dash + 3)..].StartsWith("cgroup2 ", StringComparison.Ordinal))
                {
                    continue;
                }

                mount = line[..dash].Split(' ')[4];
                break;
            }

            if (mount is null)
            {
                return null;
            }

            var own = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..] ?? "/";
            return Path.Combine(mount + own.TrimEnd('/'), "drain-attempts");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Creates a throw-away cgroup and moves a short-lived shell into it; null when that works.</summary>
    private static string? ProbeCgroup(string root)
    {
        var probe = Path.Combine(root, "probe-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(probe);
            if (!File.Exists(Path.Combine(probe, "cgroup.kill")) && !File.Exists(Path.Combine(probe, "cgroup.freeze")))
            {
                return $"{root} has neither cgroup.kill nor cgroup.freeze";
            }

            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("echo $$ > \"$1\"");
            info.ArgumentList.Add("probe");
            info.ArgumentList.Add(Path.Combine(probe, "cgroup.procs"));
            using var shell = Process.Start(info)!;
            var error = shell.StandardError.ReadToEnd();
            shell.WaitForExit();
            return shell.ExitCode == 0 ? null : $"a process cannot join a cgroup under {root}: {error.Trim()}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return $"{root} is not writable: {ex.Message}";
        }
        finally
        {
            for (var i = 0; i < 50 && Directory.Exists(probe); i++)
            {
                try
                {
                    Directory.Delete(probe);
                }
                catch (IOException)
                {
                    Thread.Sleep(10); // the probe shell is leaving the cgroup
                }
                catch (UnauthorizedAccessException)
                {
                    break;
                }
            }
        }
    }
}
