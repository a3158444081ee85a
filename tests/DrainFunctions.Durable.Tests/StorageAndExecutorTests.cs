using Azure.Storage.Blobs;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Storage;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Tests;

[Collection(DurableSerialGroup.Name)]
public sealed class StorageAndExecutorTests
{
    [Fact]
    public async Task UpdateAttemptAsync_AnotherProcessWroteTheMarkerSince_ChangesWhatItWroteNotWhatThisOneRemembers()
    {
        // This store remembers the marker it wrote, to skip a read before its next write; a write by
        // another process since (a second store) must not be overwritten with that memory.
        await using var bed = await TestBed.CreateAsync();
        BlobSessionStore Store() => new(new BlobServiceClient(TestBed.AzuriteConnectionString), Options.Create(new SnapshotOptions { ContainerName = bed.ContainerName }));
        var here = Store();
        var elsewhere = Store();
        var marker = new AttemptRecord { AttemptId = "a1", SessionId = "s1", RunId = "run-a", PhaseId = "p1", Stage = AttemptStages.Marked };
        Assert.True(await here.TryCreateAttemptAsync(marker));
        await here.UpdateAttemptAsync("s1", "a1", current => current! with { Stage = AttemptStages.Starting });

        await elsewhere.UpdateAttemptAsync("s1", "a1", current => current! with { Stage = AttemptStages.Started, Pid = 4242 });
        AttemptRecord? seen = null;
        await here.UpdateAttemptAsync("s1", "a1", current => (seen = current)! with { Stage = AttemptStages.Ended });

        Assert.Equal(4242, seen?.Pid);
        var stored = await Store().ReadAttemptAsync("s1", "a1");
        Assert.Equal(AttemptStages.Ended, stored?.Stage);
        Assert.Equal(4242, stored?.Pid);
    }

    [Fact]
    public async Task SaveAsync_ManyResults_StagedBytesConstantAndDocumentReadable()
    {
        await using var bed = await TestBed.CreateAsync();
        var store = new BlobSessionStore(new BlobServiceClient(TestBed.AzuriteConnectionString), Options.Create(new SnapshotOptions { ContainerName = bed.ContainerName }));
        var session = new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 300 };
        await store.SaveAsync(session, null, 0);
        var staged = new List<long>();
        var lists = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            var result = new DrainResult { RunId = "run-a", PhaseId = $"p{i:D4}", FinalState = "COMPLETE", Success = true, Timestamp = "2026-01-01T00:00:05+00:00" };
            session.Results.Add(result);
            session.State.TotalProcessed++;
            session.State.TotalSuccess++;
            var metrics = await store.SaveAsync(new DrainSession { SessionId = session.SessionId, StartedAt = session.StartedAt, BatchSize = 300, State = session.State }, result, i);
            staged.Add(metrics.BytesStaged);
            lists.Add(metrics.BlockListBytes);
        }

        Assert.InRange(staged[^1] - staged[1], -10, 10); // only digits of the totals change
        Assert.InRange((lists[^1] - lists[0]) / 299.0, 20, 40); // the block list grows ~30 bytes per phase
        var back = await store.LoadAsync(session.SessionId);
        Assert.Equal(SessionJson.Serialize(session), SessionJson.Serialize(back!));
        Assert.Equal(300, back!.Results.Count);

        var completed = await store.CompleteAsync(session.SessionId, "2026-01-01T01:00:00+00:00", s => "summary of " + s.Results.Count);
        Assert.Equal("2026-01-01T01:00:00+00:00", (await store.LoadAsync(session.SessionId))!.CompletedAt);
        Assert.Equal("summary of 300", await store.ReadTextAsync(BlobSessionStore.SummaryBlobName(session.SessionId)));
        Assert.Equal(300, completed.Results.Count);
    }

    [Fact]
    public async Task TryMarkAttemptAsync_SecondTime_ReturnsFalse()
    {
        await using var bed = await TestBed.CreateAsync();
        var store = new BlobSessionStore(new BlobServiceClient(TestBed.AzuriteConnectionString), Options.Create(new SnapshotOptions { ContainerName = bed.ContainerName }));
        Assert.True(await store.TryMarkAttemptAsync("s", "a", "first"));
        Assert.False(await store.TryMarkAttemptAsync("s", "a", "second"));
        Assert.Equal("first", await store.ReadTextAsync(BlobSessionStore.AttemptBlobName("s", "a")));
    }

    [Fact]
    public async Task ProcessExecutor_InjectionInIds_StaysOneArgumentAndNoShellRuns()
    {
        await using var bed = await TestBed.CreateAsync();
        var canary = Path.Combine(bed.Directory, "canary");
        await File.WriteAllTextAsync(canary, "alive");
        var script = Path.Combine(bed.Directory, "args.sh");
        await File.WriteAllTextAsync(script, "#!/usr/bin/env bash\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\nprintf 'cwd=%s db=%s tel=%s utf8=%s enc=%s api=%s\\n' \"$PWD\" \"$DATABASE_URL\" \"$TELEMETRY_DB_ENABLED\" \"$PYTHONUTF8\" \"$PYTHONIOENCODING\" \"$AUTOPACK_API_URL\"\n");
        await using var services = bed.BuildServices(o =>
        {
            o.CommandTemplate = $"bash '{script}' --run-id {{run_id}} \"--phase={{phase_id}}\" {{phase_index}} {{session_id}}";
            o.ApiUrl = "http://127.0.0.1:8000";
        });
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(
            new ExecutorRequest("batch-drain-20260101-000000", $"x; rm -f {canary}", "p $(touch /tmp/pwned) `id`", 4, DateTimeOffset.UtcNow.AddSeconds(20), null),
            CancellationToken.None);

        Assert.Equal(0, run.ReturnCode);
        var expected = $"<--run-id>\n<x; rm -f {canary}>\n<--phase=p $(touch /tmp/pwned) `id`>\n<4>\n<batch-drain-20260101-000000>\n"
            + $"cwd={bed.Directory} db={bed.DatabaseUrl} tel=1 utf8=1 enc=utf-8 api=http://127.0.0.1:8000\n";
        Assert.Equal(expected, run.StdoutExcerpt);
        Assert.True(File.Exists(canary));
        Assert.Equal(expected, await bed.ReadBlobAsync(run.StdoutPath));
    }

    [Fact]
    public async Task ProcessExecutor_Deadline_KillsWholeProcessTree()
    {
        await using var bed = await TestBed.CreateAsync();
        var script = Path.Combine(bed.Directory, "tree.sh");
        var childPid = Path.Combine(bed.Directory, "child.pid");
        await File.WriteAllTextAsync(script, $"#!/usr/bin/env bash\nsleep 600 &\necho $! > '{childPid}'\necho started\nwait\n");
        await using var services = bed.BuildServices(o => o.CommandTemplate = $"bash '{script}'");
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(new ExecutorRequest("s", "r", "p", 0, DateTimeOffset.UtcNow.AddSeconds(1.5), null), CancellationToken.None);

        Assert.True(run.TimedOut);
        Assert.Null(run.ReturnCode);
        Assert.Equal("started\n", run.StdoutExcerpt);
        Assert.True(await TestBed.WaitGoneAsync(int.Parse(await File.ReadAllTextAsync(childPid), System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(5)), "the grandchild survived");
        Assert.True(await TestBed.WaitGoneAsync(run.ProcessId!.Value, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ProcessExecutor_ProgramRelativeToWorkspace_RunsWhateverTheCurrentDirectory()
    {
        await using var bed = await TestBed.CreateAsync();
        Assert.NotEqual(Path.GetFullPath(bed.Directory), Directory.GetCurrentDirectory());
        var script = Path.Combine(bed.Directory, "bin", "one.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        await File.WriteAllTextAsync(script, "#!/usr/bin/env bash\necho \"ran $1 in $PWD\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        }

        await using var services = bed.BuildServices(o => o.CommandTemplate = "./bin/one.sh {run_id}");
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(new ExecutorRequest("batch-drain-20260101-000000", "r1", "p1", 0, DateTimeOffset.UtcNow.AddSeconds(20), null), CancellationToken.None);

        Assert.Equal(0, run.ReturnCode);
        Assert.Equal($"ran r1 in {bed.Directory}\n", run.StdoutExcerpt);
    }

    [Theory]
    [InlineData("", "Executor: CommandTemplate: must not be empty")]
    [InlineData("  ", "Executor: CommandTemplate: must not be empty")]
    [InlineData("bash x.sh {run_id} {foo}", "Executor: CommandTemplate: unknown placeholder {foo} (allowed: {run_id}, {phase_id}, {phase_index}, {session_id}, {slot}, {api_url}, {workspace}).")]
    [InlineData("/no/such/prog {run_id}", "Executor: CommandTemplate: executable '/no/such/prog' does not exist.")]
    [InlineData("no-such-program-anywhere {run_id}", "Executor: CommandTemplate: executable 'no-such-program-anywhere' not found on PATH")]
    public void AddDrainServices_BrokenCommandTemplate_FailsAtStartNamingTheProblem(string template, string expected)
    {
        var services = new ServiceCollection();
        services.AddDrainServices(new DelegateBacklogStoreFactory(_ => throw new InvalidOperationException()),
            s => s.ConnectionString = "UseDevelopmentStorage=true", e =>
            {
                e.CommandTemplate = template;
                e.DatabaseUrl = "sqlite:////tmp/x.db";
            });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutorOptions>>().Value);

        Assert.Contains(error.Failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AddDrainServices_MissingProgramButNotVerified_Accepted()
    {
        var services = new ServiceCollection();
        services.AddDrainServices(new DelegateBacklogStoreFactory(_ => throw new InvalidOperationException()),
            s => s.ConnectionString = "UseDevelopmentStorage=true", e =>
            {
                e.CommandTemplate = "no-such-program-anywhere {run_id}";
                e.DatabaseUrl = "sqlite:////tmp/x.db";
                e.VerifyExecutable = false;
            });
        using var provider = services.BuildServiceProvider();

        Assert.Equal("no-such-program-anywhere {run_id}", provider.GetRequiredService<IOptions<ExecutorOptions>>().Value.CommandTemplate);
    }

    [Fact]
    public void AddDrainServices_InvalidOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddDrainServices(new DelegateBacklogStoreFactory(_ => throw new InvalidOperationException()),
            s => s.ContainerName = "Bad_Name", e => e.Kind = "ssh");
        using var provider = services.BuildServiceProvider();
        var snapshots = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SnapshotOptions>>().Value);
        Assert.Contains(snapshots.Failures, f => f.Contains("ConnectionString", StringComparison.Ordinal));
        Assert.Contains(snapshots.Failures, f => f.Contains("Bad_Name", StringComparison.Ordinal));
        var executor = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ExecutorOptions>>().Value);
        Assert.Contains(executor.Failures, f => f.Contains("'ssh'", StringComparison.Ordinal));
        Assert.Contains(executor.Failures, f => f.Contains("DatabaseUrl", StringComparison.Ordinal));
    }
}
