using System.Text;
using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Results;
using DrainFunctions.Core.Selection;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("a b  c", new[] { "a", "b", "c" })]
    [InlineData("'a b' \"c d\" e\\ f", new[] { "a b", "c d", "e f" })]
    [InlineData("x'y'\"z\"", new[] { "xyz" })]
    [InlineData("\"a\\\"b\\\\c\\d\"", new[] { "a\"b\\c\\d" })]
    [InlineData("'a\\b'", new[] { "a\\b" })]
    [InlineData("'' \"\"", new[] { "", "" })]
    [InlineData("a\\\nb", new[] { "ab" })]
    [InlineData("  ", new string[0])]
    public void Split_PosixQuoting_ProducesWords(string template, string[] expected) =>
        Assert.Equal(expected, CommandLine.Split(template));

    [Theory]
    [InlineData("'unterminated")]
    [InlineData("\"unterminated")]
    [InlineData("trailing\\")]
    public void Split_Malformed_Throws(string template) =>
        Assert.Throws<FormatException>(() => CommandLine.Split(template));

    [Fact]
    public void BuildArguments_DefaultTemplate_FillsPlaceholdersInsideWords()
    {
        var request = new ExecutorRequest("batch-drain-20260101-000000", "run; rm -rf /", "p $(id) `x`", 7, DateTimeOffset.UtcNow, null);
        var words = ProcessExecutor.BuildArguments("python scripts/drain_one_phase.py --run-id {run_id} --phase-id={phase_id} --log logs/{session_id}-{phase_index}.txt --force", request, request.SessionId, new ExecutorOptions());
        Assert.Equal(
            ["python", "scripts/drain_one_phase.py", "--run-id", "run; rm -rf /", "--phase-id=p $(id) `x`", "--log", "logs/batch-drain-20260101-000000-7.txt", "--force"],
            words);
    }

    [Fact]
    public void Fill_ValueContainingPlaceholder_IsNotExpandedTwice()
    {
        var values = new Dictionary<string, string> { ["run_id"] = "{phase_id}", ["phase_id"] = "P" };
        Assert.Equal("{phase_id}/P/{unknown}", CommandLine.Fill("{run_id}/{phase_id}/{unknown}", values));
    }
}

public sealed class CommandTemplateTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-template-");

    [Theory]
    [InlineData("", "must not be empty (e.g. python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force)")]
    [InlineData("   ", "must not be empty (e.g. python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force)")]
    [InlineData("'' {run_id}", "has no command to run (e.g. python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force)")]
    [InlineData("python x.py --run {run_id} --x {foo}", "unknown placeholder {foo} (allowed: {run_id}, {phase_id}, {phase_index}, {session_id}, {slot}, {api_url}, {workspace})")]
    [InlineData("python x.py '{runid}' --p={Phase_Id}", "unknown placeholders {runid}, {Phase_Id} (allowed: {run_id}, {phase_id}, {phase_index}, {session_id}, {slot}, {api_url}, {workspace})")]
    [InlineData("python 'unclosed {run_id}", "unterminated single quote at position 8")]
    public void TemplateProblems_BadTemplate_SaysWhatAndWhatIsAllowed(string template, string expected) =>
        Assert.Equal([expected], CommandLine.TemplateProblems(template));

    [Theory]
    [InlineData("python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force")]
    [InlineData("bash run.sh {run_id}:{phase_id} {phase_index} {session_id}")]
    [InlineData("python -c 'print({})' {{run_id}} '{\"json\": 1}' {1} {-x}")]
    public void TemplateProblems_KnownPlaceholdersAndOtherBraces_Accepted(string template) =>
        Assert.Empty(CommandLine.TemplateProblems(template));

    [Fact]
    public void Placeholders_EveryAllowedOne_IsFilledByTheExecutor()
    {
        var template = "prog " + string.Join(' ', CommandLine.Placeholders.Select(p => "{" + p + "}"));
        var request = new ExecutorRequest("batch-drain-20260101-000000", "r", "p", 3, DateTimeOffset.UtcNow, "http://127.0.0.1:8002") { Slot = 2, Workspace = "/srv/slot-2" };

        var words = ProcessExecutor.BuildArguments(template, request, request.SessionId, new ExecutorOptions());

        Assert.Empty(CommandLine.TemplateProblems(template));
        Assert.Equal(["prog", "r", "p", "3", "batch-drain-20260101-000000", "2", "http://127.0.0.1:8002", "/srv/slot-2"], words);
    }

    [Fact]
    public void CreateStartInfo_SlotWithOwnApiAndWorkspace_RunsThereWithItsApiUrl()
    {
        var request = new ExecutorRequest("batch-drain-20260101-000000", "r", "p", 3, DateTimeOffset.UtcNow, "http://127.0.0.1:8002") { Slot = 2, Workspace = folder.FullName };
        var options = new ExecutorOptions { ApiUrl = "http://127.0.0.1:8000", CommandTemplate = "prog {api_url} {workspace}" };

        var words = ProcessExecutor.BuildArguments(options.CommandTemplate, request, request.SessionId, options);
        var shared = ProcessExecutor.BuildArguments(options.CommandTemplate, request with { ApiUrl = null, Workspace = null }, request.SessionId, options);

        Assert.Equal(["prog", "http://127.0.0.1:8002", folder.FullName], words);
        Assert.Equal(["prog", "http://127.0.0.1:8000", Path.GetFullPath(options.Workspace)], shared);
    }

    private string Program(string relative, bool executable = true)
    {
        var path = Path.Combine(folder.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\necho ok\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, executable ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
        }

        return path;
    }

    [Fact]
    public void FindExecutable_NameOnPath_FoundThere()
    {
        var bin = Program("bin/drain-one");

        Assert.Equal((bin, null), CommandLine.FindExecutable("drain-one {run_id}", "/", "/nonexistent:" + Path.GetDirectoryName(bin)));
        Assert.Equal((null, "executable 'drain-one' not found on PATH (a program in the workspace is written ./drain-one)"), CommandLine.FindExecutable("drain-one {run_id}", folder.FullName, "/nonexistent"));
    }

    [Fact]
    public void FindExecutable_PathWithSlash_RelativeToWorkspaceNotCurrentDirectory()
    {
        var script = Program("ws/scripts/run.sh");
        var workspace = Path.Combine(folder.FullName, "ws");

        Assert.Equal((script, null), CommandLine.FindExecutable("./scripts/run.sh {run_id}", workspace, string.Empty));
        Assert.Equal((script, null), CommandLine.FindExecutable($"'{script}' {{run_id}}", "/", string.Empty));
        Assert.Equal(
            (null, $"executable './nope.sh' does not exist (relative to the workspace: {Path.Combine(workspace, "nope.sh")})"),
            CommandLine.FindExecutable("./nope.sh", workspace, string.Empty));
        Assert.Equal((null, "executable '/no/such/prog' does not exist"), CommandLine.FindExecutable("/no/such/prog {run_id}", workspace, string.Empty));
        Assert.Equal((null, $"executable './scripts' is a directory (relative to the workspace: {Path.Combine(workspace, "scripts")})"), CommandLine.FindExecutable("./scripts", workspace, string.Empty));
    }

    [Fact]
    public void FindExecutable_NotExecutable_SaysHowToFix()
    {
        Program("plain.sh", executable: false);

        var (path, error) = CommandLine.FindExecutable("./plain.sh", folder.FullName, string.Empty);

        Assert.Null(path);
        Assert.StartsWith("executable './plain.sh' is not executable", error, StringComparison.Ordinal);
        Assert.EndsWith("chmod +x it or run it through its interpreter (e.g. bash ./plain.sh)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void FindExecutable_PlaceholderAsProgram_LeftToRunTime() =>
        Assert.Equal((null, null), CommandLine.FindExecutable("{run_id}/bin/x", folder.FullName, string.Empty));

    [Theory]
    [InlineData("./run.sh --run-id {run_id} \"--phase={phase_id}\" 'it''s' a\\ b '' \"x'y\"")]
    [InlineData("./run.sh")]
    public void WithExecutable_AnyTemplate_KeepsTheOtherWords(string template)
    {
        var rewritten = CommandLine.WithExecutable(template, "/abs/dir with space/run.sh");

        Assert.Equal(["/abs/dir with space/run.sh", .. CommandLine.Split(template).Skip(1)], CommandLine.Split(rewritten));
    }

    public void Dispose() => folder.Delete(recursive: true);
}

public sealed class SessionBlocksTests
{
    private static DrainResult Result(string run, string phase, bool success) => new()
    {
        RunId = run,
        PhaseId = phase,
        PhaseIndex = 3,
        InitialState = "FAILED",
        FinalState = success ? "COMPLETE" : "FAILED",
        Success = success,
        ErrorMessage = success ? null : "ImportError: «ünïcode» \"quoted\"",
        Timestamp = "2026-01-01T00:00:05+00:00",
        SubprocessReturncode = success ? 0 : 1,
        SubprocessDurationSeconds = 2.5,
        TelemetryEventsCollected = success ? 3 : 0,
        TelemetryYieldPerMinute = success ? 72.0 : null,
        FailureFingerprint = success ? null : "FAILED|rc1|importerror",
        AttemptId = "abc",
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Blocks_Concatenated_EqualSessionJsonSerialize(int count)
    {
        var session = new DrainSession { SessionId = "batch-drain-20260101-000000", StartedAt = "2026-01-01T00:00:00+00:00", BatchSize = 10 };
        session.State.TotalProcessed = count;
        session.State.FingerprintCounts["FAILED|rc1|importerror"] = 2;
        session.State.StoppedRuns.Add("run-a");
        for (var i = 0; i < count; i++)
        {
            session.Results.Add(Result("run-a", $"p{i}", i % 2 == 0));
        }

        var bytes = new List<byte>();
        bytes.AddRange(SessionBlocks.Header(session));
        for (var i = 0; i < count; i++)
        {
            bytes.AddRange(SessionBlocks.Result(session.Results[i], i));
        }

        bytes.AddRange(SessionBlocks.Footer(count));
        Assert.Equal(SessionJson.Serialize(session), Encoding.UTF8.GetString(bytes.ToArray()));
    }

    [Fact]
    public void BlockIds_AllSameLength()
    {
        var lengths = new[] { SessionBlocks.HeaderId, SessionBlocks.FooterId, SessionBlocks.ResultId(0), SessionBlocks.ResultId(49_999) }.Select(id => id.Length).Distinct();
        Assert.Single(lengths);
    }
}

public sealed class PayloadSizeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// The largest payloads are the carried input and SelectNextPhase's input: both hold the
    /// processed keys. With Autopack-like keys (~45 bytes) a 1,000-phase session must stay under 64 KB.
    /// </summary>
    [Fact]
    public void ContinueAsNewInput_ThousandPhaseSession_StaysUnder64KB()
    {
        var state = new PolicyState { TotalProcessed = 1000, TotalFailed = 700, TotalSuccess = 300 };
        for (var i = 0; i < 1000; i++)
        {
            state.ProcessedKeys.Add($"research-system-v{i % 40}:phase-{i:D4}-integration-tests");
        }

        for (var i = 0; i < 40; i++)
        {
            state.RunTimeouts[$"research-system-v{i}"] = 1;
            state.FingerprintCounts[$"FAILED|rc1|importerror: cannot import name 'x{i}' from 'autopack.budget' (path)"] = 2;
        }

        var lines = new LineLog(0, []);
        for (var i = 0; i < 5000; i++)
        {
            lines.Add($"  [SKIP] research-system-v{i % 40}/phase-{i:D4}: phase already attempted 2 times (limit: 2)");
        }

        var input = new DrainOrchestrationInput
        {
            Options = new DrainOptions { BatchSize = 1000 },
            SessionId = "batch-drain-20260101-000000",
            StartedAt = DateTimeOffset.UtcNow,
            State = ProcessedKeyGroups.WithoutKeys(state),
            ProcessedByRun = ProcessedKeyGroups.Group(state.ProcessedKeys),
            LineSequence = lines.Sequence,
            RecentLines = lines.Snapshot(),
        };
        var size = JsonSerializer.SerializeToUtf8Bytes(input).Length;
        var keysFlat = JsonSerializer.SerializeToUtf8Bytes(state.ProcessedKeys).Length;
        var keysGrouped = JsonSerializer.SerializeToUtf8Bytes(input.ProcessedByRun).Length;
        var select = JsonSerializer.SerializeToUtf8Bytes(new SelectNextPhaseInput(ProcessedKeyGroups.WithoutKeys(state), input.Options) { ProcessedByRun = input.ProcessedByRun }).Length;
        output.WriteLine($"1,000-phase session: carried input {size} bytes, SelectNextPhase input {select} bytes (processed keys {keysFlat} bytes flat, {keysGrouped} grouped)");
        Assert.InRange(size, 30_000, 52 * 1024); // 12 KB of head room under the 64 KB limit
        Assert.InRange(select, 30_000, 48 * 1024);

        var back = JsonSerializer.Deserialize<DrainOrchestrationInput>(JsonSerializer.Serialize(input))!;
        Assert.Equal(state.ProcessedKeys.Order(), ProcessedKeyGroups.Expand(back.ProcessedByRun).Order());

        var status = JsonSerializer.Serialize(new DrainStatus { Lines = lines.Snapshot() });
        Assert.InRange(status.Length * 2, 1, 16 * 1024); // custom status: 16 KB of UTF-16
        output.WriteLine($"custom status with a full line tail: {status.Length} chars");
    }

    [Fact]
    public void RunPhaseExecutorOutput_LongOutput_StaysSmall()
    {
        var noise = new string('x', 100_000);
        var output = new RunPhaseExecutorOutput { StdoutExcerpt = ResultClassifier.Excerpt(noise), StderrExcerpt = ResultClassifier.Excerpt(noise) };
        Assert.True(JsonSerializer.SerializeToUtf8Bytes(output).Length < 2_000);
    }

    [Fact]
    public void PolicyState_RoundTripsThroughDefaultJson()
    {
        var state = new PolicyState();
        state.ProcessedKeys.Add("a:b");
        state.FingerprintCounts["z"] = 1;
        state.FingerprintCounts["a"] = 2;
        state.RunTimeouts["a"] = 1;
        state.ProcessedKeys.Add("run:with:colons:phase");
        var input = new SelectNextPhaseInput(ProcessedKeyGroups.WithoutKeys(state), new DrainOptions { SkipRunPrefixes = ["x"] }) { ProcessedByRun = ProcessedKeyGroups.Group(state.ProcessedKeys) };
        var back = JsonSerializer.Deserialize<SelectNextPhaseInput>(JsonSerializer.Serialize(input))!.ExpandedState();
        Assert.Equal(state.ProcessedKeys.Order(), back.ProcessedKeys.Order());
        Assert.Equal(["z", "a"], back.FingerprintCounts.Keys);
        Assert.Equal(["x"], input.Options.SkipRunPrefixes);
        Assert.Equal(1, back.TimeoutsOf("a"));
    }
}

public sealed class SaveSessionSnapshotInputTests
{
    private static PolicyState StateWithPerRunMaps()
    {
        var state = new PolicyState { TotalProcessed = 2, TotalFailed = 2 };
        state.StoppedRuns.Add("run-a");
        state.RunTimeouts["run-a"] = 1;
        state.PriorAttempts["run-a:p1"] = 2;
        return state;
    }

    private static readonly DrainResult Result = new() { RunId = "run-a", PhaseId = "p1", FinalState = "FAILED" };

    [Fact]
    public void HeaderState_StateOnlyInTheSelection_HeaderWithoutPerRunMaps()
    {
        var input = new SaveSessionSnapshotInput
        {
            SessionId = "s",
            StartedAt = "2026-01-01T00:00:00+00:00",
            Result = Result,
            LedgerEntry = new LedgerStops(RunStopped: true, FingerprintStopped: false),
            Next = new SelectNextPhaseInput(StateWithPerRunMaps(), new DrainOptions()),
        };

        var header = input.HeaderState();
        Assert.Equal(2, header.TotalProcessed);
        Assert.Equal(["run-a"], header.StoppedRuns);
        Assert.Empty(header.RunTimeouts);
        Assert.Empty(header.PriorAttempts);
        var entry = Assert.IsType<DrainFunctions.Durable.Ledger.RecordLedgerEntryInput>(input.LedgerEntryInput());
        Assert.Same(Result, entry.Result);
        Assert.Equal("s", entry.SessionId);
        Assert.True(entry.RunStopped);
        Assert.False(entry.FingerprintStopped);
    }

    [Fact]
    public void HeaderState_EarlierFormatFromAJsonHistory_StateAndLedgerEntryAsSent()
    {
        // A save scheduled by an earlier version: the header's state and the whole ledger entry sent.
        const string earlier = """
            {"SessionId":"s","StartedAt":"2026-01-01T00:00:00+00:00","BatchSize":5,
             "State":{"TotalProcessed":7,"StoppedRuns":["run-b"]},
             "Result":{"RunId":"run-a","PhaseId":"p1"},"ResultIndex":6,
             "Ledger":{"SessionId":"s","Result":{"RunId":"run-a","PhaseId":"p1"},"RunStopped":false,"FingerprintStopped":true},
             "Next":null,"RenewLock":null}
            """;
        var input = JsonSerializer.Deserialize<SaveSessionSnapshotInput>(earlier)!;

        Assert.Equal(7, input.HeaderState().TotalProcessed);
        Assert.Equal(["run-b"], input.HeaderState().StoppedRuns);
        var entry = Assert.IsType<DrainFunctions.Durable.Ledger.RecordLedgerEntryInput>(input.LedgerEntryInput());
        Assert.True(entry.FingerprintStopped);
        Assert.Equal("run-a:p1", entry.Result.Key);
    }

    [Fact]
    public void HeaderState_NeitherStateNorSelection_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new SaveSessionSnapshotInput { SessionId = "s", StartedAt = "x" }.HeaderState());
}

public sealed class BlobNamesTests
{
    private const string Session = "batch-drain-20260101-000000";

    // A ledger of one database (no I/O: the client only names blobs here).
    private static readonly Ledger.BlobLedgerStore LedgerStore = new(
        new Azure.Storage.Blobs.BlobServiceClient("UseDevelopmentStorage=true"),
        Microsoft.Extensions.Options.Options.Create(new Hosting.SnapshotOptions { ContainerName = "names", Backlog = "sqlite:////tmp/autopack.db" }));

    private static readonly string LedgerPrefix = Ledger.BlobLedgerStore.PrefixOf(new Core.Ports.BacklogIdentity("sqlite:////tmp/autopack.db"));

    [Theory]
    [InlineData("run-a", "fail-1", "batch-drain-20260101-000000/logs/run-a__fail-1.stdout.txt")]
    [InlineData("research-system-v12", "phase-0123-integration-tests", "batch-drain-20260101-000000/logs/research-system-v12__phase-0123-integration-tests.stdout.txt")]
    [InlineData("core_run.v2", "Phase_1.b", "batch-drain-20260101-000000/logs/core_run.v2__Phase_1.b.stdout.txt")]
    public void LogBlobName_OrdinaryIds_NamesAsBefore(string run, string phase, string expected) =>
        Assert.Equal(expected, BlobSessionStore.LogBlobName(Session, run, phase, "stdout"));

    [Fact]
    public void BlobNames_OrdinaryIds_SessionAndAttemptNamesAsBefore()
    {
        Assert.Equal("batch-drain-20260101-000000.json", BlobSessionStore.SessionBlobName(Session));
        Assert.Equal("batch-drain-20260101-000000.summary.txt", BlobSessionStore.SummaryBlobName(Session));
        Assert.Equal("batch-drain-20260101-000000/attempts/0f8fad5b-d9cb-469f-a165-70867728950e", BlobSessionStore.AttemptBlobName(Session, "0f8fad5b-d9cb-469f-a165-70867728950e"));
        Assert.Equal("batch-drain-20260101-000000/attempts/same-attempt.stop", BlobSessionStore.StopBlobName(Session, "same-attempt"));
        Assert.Equal(LedgerPrefix + "research-system-v12.json", LedgerStore.RunBlobName("research-system-v12"));
        Assert.Equal(LedgerPrefix + "..%2F..%2Fx.json", LedgerStore.RunBlobName("../../x"));
    }

    [Fact]
    public void LogBlobName_SeparatorInsideIds_TwoPairsNeverShareABlob()
    {
        Assert.NotEqual(BlobSessionStore.LogBlobName(Session, "a__b", "c", "stdout"), BlobSessionStore.LogBlobName(Session, "a", "b__c", "stdout"));

        // Every pair of ids up to 3 characters over an alphabet of separators and specials: all names differ.
        var alphabet = new[] { "a", "_", "/", ".", "%", "~" };
        var ids = new List<string> { string.Empty };
        for (var length = 1; length <= 3; length++)
        {
            ids.AddRange(ids.Where(i => i.Length == length - 1).SelectMany(i => alphabet.Select(c => i + c)).ToList());
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in ids)
        {
            foreach (var phase in ids)
            {
                var name = BlobSessionStore.LogBlobName(Session, run, phase, "stderr");
                Assert.True(names.Add(name), $"({run}, {phase}) shares {name}");
                Assert.StartsWith(Session + "/logs/", name, StringComparison.Ordinal);
                Assert.DoesNotContain('/', name[(Session.Length + 6)..]);
            }
        }
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../../escaped")]
    [InlineData("a/b")]
    [InlineData("")]
    public void AttemptAndSessionNames_DotOrSlashIds_StayInTheirFolder(string id)
    {
        var attempt = BlobSessionStore.AttemptBlobName(Session, id);
        var stop = BlobSessionStore.StopBlobName(Session, id);
        var segment = attempt[(Session.Length + "/attempts/".Length)..];

        Assert.StartsWith(Session + "/attempts/", attempt, StringComparison.Ordinal);
        Assert.DoesNotContain('/', segment);
        Assert.False(segment.Length == 0 || segment.Trim('.').Length == 0 || segment.EndsWith('.'), segment);
        Assert.Equal(attempt + ".stop", stop);
        Assert.DoesNotContain('/', BlobSessionStore.SessionBlobName(id));
        Assert.NotEqual(".json", BlobSessionStore.SessionBlobName(id));
    }

    [Fact]
    public void BlobNames_TenKilobyteIds_BoundedReadableAndDistinct()
    {
        var a = "run-" + new string('\u00e9', 10 * 1024) + "a";
        var b = "run-" + new string('\u00e9', 10 * 1024) + "b";

        var logA = BlobSessionStore.LogBlobName(Session, a, "p", "stdout");
        var logB = BlobSessionStore.LogBlobName(Session, b, "p", "stdout");
        var attemptA = BlobSessionStore.StopBlobName(new string('s', 5000), a);

        Assert.NotEqual(logA, logB);
        foreach (var name in new[] { logA, logB, attemptA, BlobSessionStore.SessionBlobName(a), LedgerStore.RunBlobName(a) })
        {
            Assert.True(name.Length <= BlobNames.MaxNameLength, name);
            Assert.All(name.Split('/'), segment => Assert.True(segment.Length <= BlobNames.MaxSegmentLength, $"{segment.Length}: {segment}"));
        }

        Assert.StartsWith($"{Session}/logs/run-%C3%A9%C3%A9", logA, StringComparison.Ordinal);
        Assert.NotEqual(LedgerStore.RunBlobName(a), LedgerStore.RunBlobName(b));
    }

    [Fact]
    public void Escape_CutNames_NeverEqualAWholeOne()
    {
        // "~" (logs) and "!" (ledger) mark a cut name; ids holding them are escaped, so no whole name has one.
        Assert.Equal("a%7Eb", BlobNames.Escape("a~b"));
        Assert.Equal(LedgerPrefix + "a%21b.json", LedgerStore.RunBlobName("a!b"));
        Assert.Equal("%uD800x", BlobNames.Escape("\ud800x"));
        Assert.NotEqual(BlobNames.Escape("\ud800"), BlobNames.Escape("\ud801"));
    }
}

public sealed class PulseSignalTests
{
    [Fact]
    public void Next_TakenBeforeAPulse_CompletesAtThatPulse()
    {
        var signal = new FinishedSessionSignal();
        var next = signal.Next;
        Assert.False(next.IsCompleted);

        signal.Pulse();

        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public void Next_TakenAfterAPulse_WaitsForTheNextPulse()
    {
        var signal = new FinishedSessionSignal();
        signal.Pulse();

        var next = signal.Next;

        Assert.False(next.IsCompleted);
        signal.Pulse();
        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public void Finished_SessionNamed_RecordsItAndWakesWaiters()
    {
        var signal = new FinishedSessionSignal();
        var next = signal.Next;
        Assert.Null(signal.Last);

        signal.Finished("batch-drain-20261130-120000");

        Assert.Equal("batch-drain-20261130-120000", signal.Last);
        Assert.True(next.IsCompletedSuccessfully);
    }
}
