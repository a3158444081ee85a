using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Data;
using Microsoft.Data.Sqlite;

namespace DrainFunctions.Cli.Tests;

/// <summary>One start or end of an executor process, as the test's executor script logs it.</summary>
internal sealed record ExecutorEvent(string Kind, string Key, int Pid, double At);

/// <summary>
/// A real drain to crash: a SQLite backlog, its own task hub and container, and an executor
/// script (python3) that logs its start, its database write and its exit with its pid and time,
/// then plays the phase's plan (sleep, COMPLETE or FAILED, linger, output).
/// </summary>
internal sealed class CrashBed : IDisposable
{
    private static readonly Lazy<string> Python = new(() =>
    {
        var info = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import sys; print(sys.executable)");
        using var p = System.Diagnostics.Process.Start(info)!;
        var path = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return path.Length > 0 ? path : throw new InvalidOperationException("python3 is required by the crash tests");
    });

    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-crash-");
    private readonly DrainFunctions.Tests.Shared.SqliteBacklogRows rows;

    public CrashBed(string? storage = null)
    {
        DatabasePath = Path.Combine(folder.FullName, "autopack.db");
        rows = new(DatabasePath);
        Environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + DatabasePath,
            ["AzureWebJobsStorage"] = storage ?? (System.Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite.")),
            ["DURABLE_TASK_HUB_NAME"] = "crash" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "crash-" + Guid.NewGuid().ToString("N")[..12],
        };
        File.WriteAllText(ScriptPath, Script);
        Plan(new JsonObject());
    }

    public string Folder => folder.FullName;

    public string DatabasePath { get; }

    public Dictionary<string, string> Environment { get; }

    public string EventsPath => Path.Combine(Folder, "events.log");

    private string ScriptPath => Path.Combine(Folder, "executor.py");

    /// <summary>The executor template: the script, the phase, and this folder.</summary>
    public string Template => $"'{Python.Value}' '{ScriptPath}' {{run_id}} {{phase_id}} '{Folder}'";

    /// <summary>
    /// What each phase does, by key (<c>run:phase</c>) or <c>default</c>: <c>sleep</c> seconds,
    /// <c>outcome</c> complete|fail|none, <c>reason</c>, <c>linger</c> seconds after the write,
    /// <c>print_mb</c> megabytes to stdout, <c>tick</c> seconds between lines printed (and noted as
    /// <c>tick</c> events, with <c>tick_events</c> also a telemetry row each) while it sleeps, <c>rc</c>, <c>again</c> (the plan of a second run).
    /// </summary>
    public void Plan(JsonObject plan) => File.WriteAllText(Path.Combine(Folder, "plan.json"), plan.ToJsonString());

    public async Task InitAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(Environment["DATABASE_URL"]));
        await admin.InitSchemaAsync();
    }

    public Task AddPhaseAsync(string runId, string phaseId, int index, string reason = "ImportError: before the drain") =>
        rows.AddPhaseAsync(runId, phaseId, index, "FAILED", reason);

    /// <summary>Every phase: key → (state, last_failure_reason).</summary>
    public Dictionary<string, (string State, string? Reason)> Phases()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id || ':' || phase_id, state, last_failure_reason FROM phases";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        while (reader.Read())
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return rows;
    }

    /// <summary>The <c>TRACEPARENT</c> each executor was started with, by phase key.</summary>
    public Dictionary<string, string> TraceParents() =>
        File.Exists(Path.Combine(Folder, "traceparents.log"))
            ? File.ReadAllLines(Path.Combine(Folder, "traceparents.log")).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal)
            : [];

    public List<ExecutorEvent> Events()
    {
        if (!File.Exists(EventsPath))
        {
            return [];
        }

        return [.. File.ReadAllLines(EventsPath).Where(l => l.Length > 0).Select(l => l.Split(' ')).Where(p => p.Length == 4)
            .Select(p => new ExecutorEvent(p[0], p[1], int.Parse(p[2], CultureInfo.InvariantCulture), double.Parse(p[3], CultureInfo.InvariantCulture)))];
    }

    public async Task<ExecutorEvent> WaitForEventAsync(string kind, string key, TimeSpan within, int nth = 1)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (Events().Where(e => e.Kind == kind && e.Key == key).Skip(nth - 1).FirstOrDefault() is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no '{kind} {key}' (#{nth}) within {within}; events:\n{string.Join('\n', Events())}");
    }

    /// <summary>
    /// Runs of one phase that overlapped in time: a run lasts from its start to its exit (an
    /// executor that never logged its exit is taken to run until now).
    /// </summary>
    public List<string> Overlaps()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var events = Events();
        var overlaps = new List<string>();
        foreach (var group in events.Where(e => e.Kind == "start").GroupBy(e => e.Key))
        {
            var intervals = group.Select(s => (s.Pid, Start: s.At, End: events.FirstOrDefault(e => e.Kind == "exit" && e.Pid == s.Pid && e.Key == s.Key)?.At ?? now))
                .OrderBy(i => i.Start).ToList();
            for (var i = 1; i < intervals.Count; i++)
            {
                if (intervals[i].Start < intervals[i - 1].End)
                {
                    overlaps.Add($"{group.Key}: pid {intervals[i - 1].Pid} ran {intervals[i - 1].Start:F1}-{intervals[i - 1].End:F1}, pid {intervals[i].Pid} started {intervals[i].Start:F1}");
                }
            }
        }

        return overlaps;
    }

    public static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout).RootElement;

    public void Dispose()
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // an orphan of a failed test may still write its log
        }
    }

    private const string Script = """
        import json, os, sys, time, sqlite3

        run, phase, folder = sys.argv[1], sys.argv[2], sys.argv[3]
        key = run + ":" + phase
        events = os.path.join(folder, "events.log")
        plans = json.load(open(os.path.join(folder, "plan.json")))
        plan = plans.get(key, plans.get("default", {}))

        def note(kind):
            with open(events, "a") as f:
                f.write("%s %s %d %.3f\n" % (kind, key, os.getpid(), time.time()))

        earlier = 0
        if os.path.exists(events):
            earlier = sum(1 for line in open(events) if line.startswith("start " + key + " "))
        if earlier and "again" in plan:
            plan = plan["again"]

        note("start")
        if os.environ.get("TRACEPARENT"):
            with open(os.path.join(folder, "traceparents.log"), "a") as f:
                f.write("%s %s\n" % (key, os.environ["TRACEPARENT"]))
        sys.stdout.write("executing %s\n" % key)
        sys.stdout.flush()
        mb = plan.get("print_mb", 0)
        if mb:
            line = b"x" * 1048575 + b"\n"
            for _ in range(mb):
                sys.stdout.buffer.write(line)
            sys.stdout.flush()
        tick = plan.get("tick", 0)
        end = time.time() + plan.get("sleep", 0)
        def say(text):
            # A drain killed with SIGKILL leaves the pipe broken: the phase goes on without its output.
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except OSError:
                sys.stdout = open(os.devnull, "w")

        while tick and time.time() < end:
            say("tick %.3f\n" % time.time())
            note("tick")
            if plan.get("tick_events"):
                db = sqlite3.connect(os.environ["DATABASE_URL"][len("sqlite:///"):], timeout=60)
                db.execute("INSERT INTO token_estimation_v2_events (run_id, phase_id, created_at) VALUES (?, ?, CURRENT_TIMESTAMP)", (run, phase))
                db.commit()
                db.close()
            time.sleep(tick)
        time.sleep(max(0, end - time.time()))
        outcome = plan.get("outcome", "complete")
        if outcome != "none":
            db = sqlite3.connect(os.environ["DATABASE_URL"][len("sqlite:///"):], timeout=60)
            if outcome == "complete":
                db.execute("UPDATE phases SET state = 'COMPLETE' WHERE run_id = ? AND phase_id = ?", (run, phase))
            else:
                db.execute("UPDATE phases SET state = 'FAILED', last_failure_reason = ? WHERE run_id = ? AND phase_id = ?",
                           (plan.get("reason", "ImportError: " + key + " failed"), run, phase))
            db.commit()
            db.close()
            note("done")
        time.sleep(plan.get("linger", 0))
        note("exit")
        sys.exit(plan.get("rc", 0))
        """;
}
