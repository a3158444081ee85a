using DrainFunctions.Data;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// Input that used to end in a stack trace (exit 134) or be accepted and break at run time
/// (issue 19, items 8 and 9): the real ./drain process, the real PostgreSQL of the test services
/// with a wrong password or database name, a real file that is not a database.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-hostile-");
    private readonly Dictionary<string, string> environment;

    public HostileInputTests()
    {
        environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = "sqlite:///" + Path.Combine(folder.FullName, "autopack.db"),
            ["AzureWebJobsStorage"] = Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } azurite
                ? azurite
                : throw new InvalidOperationException("DRAIN_TEST_AZURITE is not set: run the tests with ./scripts/test.sh, which starts Azurite."),
            ["DURABLE_TASK_HUB_NAME"] = "hst" + Guid.NewGuid().ToString("N")[..12],
            ["Snapshots__ContainerName"] = "hst-" + Guid.NewGuid().ToString("N")[..12],
        };
    }

    private static string PostgresUrl =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_PG_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("DRAIN_TEST_PG_URL is not set: run the tests with ./scripts/test.sh, which starts PostgreSQL.");

    private async Task<(int Code, DrainProcess Process)> RunAsync(IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var process = DrainProcess.Start(env ?? environment, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(2));
        return (code, process);
    }

    private async Task SeedAsync()
    {
        await using var admin = await BacklogAdmin.OpenAsync(DatabaseUrl.Parse(environment["DATABASE_URL"]));
        await admin.InitSchemaAsync();
        await admin.SeedDemoAsync();
    }

    /// <summary>One line on stderr, no stack trace, nothing on stdout.</summary>
    private static string OneLine(DrainProcess process)
    {
        // The launcher's own note when it rebuilds after a source change is not the command's output.
        var lines = process.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("drain: building the command line", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{process.Stderr}");
        Assert.DoesNotContain("   at ", process.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Stderr, StringComparison.Ordinal);
        return lines[0];
    }

    private static string WithPassword(string url, string password)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':')[0];
        return $"{uri.Scheme}://{user}:{password}@{uri.Host}:{uri.Port}{uri.AbsolutePath}";
    }

    [Fact]
    public async Task Drain_WrongPostgresPassword_Exits1WithOneMaskedLine()
    {
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = WithPassword(PostgresUrl, "not-the-password-4711") };

        var (code, process) = await RunAsync(env, "--dry-run");
        using (process)
        {
            Assert.Equal(1, code);
            var line = OneLine(process);
            Assert.StartsWith("drain: Database postgresql://", line, StringComparison.Ordinal);
            Assert.Contains(":***@", line, StringComparison.Ordinal);
            Assert.Contains("refused the login: password authentication failed", line, StringComparison.Ordinal);
            Assert.EndsWith("check the user name and password in DATABASE_URL", line, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password-4711", process.Stderr + process.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(new Uri(PostgresUrl).UserInfo.Split(':')[1], process.Stderr + process.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Drain_MissingPostgresDatabase_Exits1WithOneMaskedLine()
    {
        var real = new Uri(PostgresUrl);
        var missing = $"drain_missing_{Guid.NewGuid():N}";
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = PostgresUrl[..PostgresUrl.LastIndexOf('/')] + "/" + missing };

        var (code, process) = await RunAsync(env, "--batch-size", "1");
        using (process)
        {
            Assert.Equal(1, code);
            var line = OneLine(process);
            Assert.StartsWith($"drain: Database postgresql://{real.UserInfo.Split(':')[0]}:***@{real.Host}:{real.Port}/{missing} does not exist on its server", line, StringComparison.Ordinal);
            Assert.EndsWith("check the database name in DATABASE_URL, or create it", line, StringComparison.Ordinal);
            Assert.DoesNotContain(real.UserInfo.Split(':')[1], process.Stderr + process.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Drain_SqliteFileThatIsNotADatabase_Exits1WithOneLineAndLeavesTheFile()
    {
        var path = Path.Combine(folder.FullName, "notes.db");
        await File.WriteAllTextAsync(path, "these are my notes, not a database\n");
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = "sqlite:///" + path };

        var (code, process) = await RunAsync(env, "--dry-run");
        using (process)
        {
            Assert.Equal(1, code);
            Assert.Equal($"drain: SQLite database sqlite:///{path} ({path}) is a file that is not a database (SQLite error 26); check DATABASE_URL", OneLine(process));
            Assert.Equal("these are my notes, not a database\n", await File.ReadAllTextAsync(path));
        }
    }

    [Fact]
    public async Task DbInit_WrongPostgresPassword_Exits1WithOneLine()
    {
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = WithPassword(PostgresUrl, "wrong") };

        var (code, process) = await RunAsync(env, "db", "init");
        using (process)
        {
            Assert.Equal(1, code);
            Assert.Contains("refused the login", OneLine(process), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_WrongPostgresPassword_Exits1BeforeServing()
    {
        var env = new Dictionary<string, string>(environment) { ["DATABASE_URL"] = WithPassword(PostgresUrl, "not-the-password-4711") };

        var (code, process) = await RunAsync(env, "serve", "--port", "1", "--key", "k", "--executor-command", "bash run.sh {run_id}");
        using (process)
        {
            Assert.Equal(1, code);
            Assert.Contains("refused the login: password authentication failed", OneLine(process), StringComparison.Ordinal);
            Assert.DoesNotContain("Serving the drain API", process.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", "drain: error: argument --executor-command: must not be empty (e.g. python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force)")]
    [InlineData("   ", "drain: error: argument --executor-command: must not be empty (e.g. python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force)")]
    [InlineData("bash run.sh {run_id} {foo}", "drain: error: argument --executor-command: unknown placeholder {foo} (allowed: {run_id}, {phase_id}, {phase_index}, {session_id}, {slot}, {api_url}, {workspace})")]
    [InlineData("/no/such/executor {run_id}", "drain: error: argument --executor-command: executable '/no/such/executor' does not exist")]
    [InlineData("no-such-executor-on-path {run_id}", "drain: error: argument --executor-command: executable 'no-such-executor-on-path' not found on PATH (a program in the workspace is written ./no-such-executor-on-path)")]
    public async Task Drain_BrokenExecutorCommand_Exits2BeforeAnyPhase(string command, string expected)
    {
        await SeedAsync();

        var (code, process) = await RunAsync(null, "--batch-size", "1", "--executor-command", command);
        using (process)
        {
            Assert.Equal(2, code);
            Assert.Equal(expected, OneLine(process));
            Assert.Equal(string.Empty, process.Stdout);
        }
    }

    [Theory]
    [InlineData("--phase-timeout-seconds", "2147483647", "drain: error: argument --phase-timeout-seconds: invalid value: 2147483647 (allowed: an integer from 1 to 604800 (7 days))")]
    [InlineData("--max-total-minutes", "1e308", "drain: error: argument --max-total-minutes: invalid value: 1e308 (allowed: a number > 0 and <= 43200 (30 days))")]
    public async Task Drain_BoundBeyondWhatTimersTake_Exits2NamingTheRange(string flag, string value, string expected)
    {
        await SeedAsync();

        var (code, process) = await RunAsync(null, "--batch-size", "1", flag, value);
        using (process)
        {
            Assert.Equal(2, code);
            Assert.Equal(expected, OneLine(process));
        }
    }

    [Fact]
    public async Task Serve_BrokenExecutorCommand_Exits2BeforeServing()
    {
        var (code, process) = await RunAsync(null, "serve", "--port", "1", "--executor-command", "python x.py {runid}");
        using (process)
        {
            Assert.Equal(2, code);
            Assert.Equal("drain: error: argument --executor-command: unknown placeholder {runid} (allowed: {run_id}, {phase_id}, {phase_index}, {session_id}, {slot}, {api_url}, {workspace})", OneLine(process));
        }
    }

    public void Dispose() => folder.Delete(recursive: true);
}

/// <summary>
/// Issue 19 item 13: ids given on the command line are checked before storage is touched (the
/// storage here is a name that does not resolve: reaching it would fail late with exit 1, not 2).
/// </summary>
public sealed class IdArgumentTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("drain-ids-");

    private readonly Dictionary<string, string> environment = new()
    {
        ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://drain-storage.invalid/devstoreaccount1;",
        ["Snapshots__ContainerName"] = "ids-never-created",
    };

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = DrainProcess.Start(environment, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(1));
        var stderr = string.Join('\n', process.Stderr.Split('\n').Where(l => !l.StartsWith("drain: building the command line", StringComparison.Ordinal))).Trim();
        return (code, process.Stdout, stderr);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("batch-drain-20251301-000000")]
    [InlineData("batch-drain-20250101-000000/attempts/x")]
    public async Task SessionsShow_NotASessionId_Exits2NamingTheArgumentAndTheForm(string id)
    {
        var (code, stdout, stderr) = await RunAsync("sessions", "show", id);

        Assert.Equal(2, code);
        Assert.Equal($"drain: error: argument ID: '{id}' is not a session id (expected batch-drain-YYYYMMDD-HHMMSS, as drain sessions list shows)", stderr);
        Assert.Equal(string.Empty, stdout);
    }

    [Fact]
    public async Task Report_NeitherIdNorFile_Exits2NamingTheArgument()
    {
        var (code, _, stderr) = await RunAsync("report", "batch-drain-2025");

        Assert.Equal(2, code);
        Assert.Equal("drain: error: argument ID|FILE: 'batch-drain-2025' is neither a session id (batch-drain-YYYYMMDD-HHMMSS) nor a session file", stderr);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("LONG")]
    public async Task LedgerForget_BlankOrHugeRunId_Exits2(string run)
    {
        run = run == "LONG" ? new string('r', 600) : run;

        var (code, _, stderr) = await RunAsync("ledger", "forget", run);

        Assert.Equal(2, code);
        Assert.StartsWith("drain: error: argument RUN: '", stderr, StringComparison.Ordinal);
        Assert.EndsWith("' is not a run id (expected 1 to 512 characters, not blank)", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Length < 200, stderr);
    }

    [Fact]
    public async Task SessionsImport_FileWithEscapingSessionId_Exits2AndImportsNothing()
    {
        var golden = File.ReadAllText(Path.Combine(CliRunner.RepoRoot(), "tests", "DrainFunctions.Core.Tests", "Golden", "python-v1-session.json"));
        var good = Path.Combine(folder.FullName, "good.json");
        var bad = Path.Combine(folder.FullName, "bad.json");
        File.WriteAllText(good, golden);
        File.WriteAllText(bad, golden.Replace("\"batch-drain-20251201-101500\"", "\"../../escaped\"", StringComparison.Ordinal));

        var (code, stdout, stderr) = await RunAsync("sessions", "import", good, bad);

        Assert.Equal(2, code);
        Assert.Equal($"drain: error: {bad}: session_id '../../escaped' is not a session id (expected batch-drain-YYYYMMDD-HHMMSS); nothing was imported", stderr);
        Assert.Equal(string.Empty, stdout);
    }

    public void Dispose() => folder.Delete(recursive: true);
}
