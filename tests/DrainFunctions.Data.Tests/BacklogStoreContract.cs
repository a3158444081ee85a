using System.Data.Common;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Data.Tests;

/// <summary>
/// The contract every backlog store honours, run against a real PostgreSQL database (text and
/// native-enum state column) and a real SQLite file by the derived classes.
/// </summary>
public abstract class BacklogStoreContract : IAsyncLifetime
{
    private DatabaseUrl? url;

    protected DatabaseUrl Url => url ?? throw new InvalidOperationException("database not created");

    protected virtual BacklogSchemaOptions SchemaOptions => BacklogSchemaOptions.Default;

    protected abstract Task<DatabaseUrl> CreateDatabaseAsync();

    protected abstract Task DropDatabaseAsync();

    public async Task InitializeAsync() => url = await CreateDatabaseAsync();

    public Task DisposeAsync() => DropDatabaseAsync();

    // ----- helpers -----

    private static readonly BacklogStoreOptions FastRetry = new() { Retry = new DatabaseRetry(4, TimeSpan.FromMilliseconds(20)) };

    protected async Task InitSchemaAsync()
    {
        await BacklogSchema.InitAsync(Url, SchemaOptions);
    }

    protected async Task<SqlBacklogStore> OpenStoreAsync(BacklogStoreOptions? options = null) =>
        (SqlBacklogStore)await BacklogStores.OpenAsync(Url, options ?? FastRetry);

    protected async Task ExecAsync(string sql, params (string, object?)[] parameters)
    {
        await using var admin = await BacklogAdmin.OpenAsync(Url);
        await admin.Database.RunAsync("test", async (c, ct) => await SqlDatabase.ExecuteAsync(c, sql, ct, parameters), default);
    }

    protected async Task AddPhasesAsync(params (string Run, string Phase, int Index, string State, string? Reason)[] phases)
    {
        await using var admin = await BacklogAdmin.OpenAsync(Url);
        var db = admin.Database;
        await db.RunAsync(
            "test",
            async (c, ct) =>
            {
                foreach (var run in phases.Select(p => p.Run).Distinct())
                {
                    if (await SqlDatabase.ScalarLongAsync(c, "SELECT count(*) FROM runs WHERE id = @id", ct, ("id", run)) == 0)
                    {
                        await SqlDatabase.ExecuteAsync(c, "INSERT INTO runs (id, state, created_at, updated_at) VALUES (@id, 'PHASE_EXECUTION', @t, @t)", ct, ("id", run), ("t", db.Timestamp(DateTime.UtcNow)));
                    }
                }

                foreach (var (run, phase, index, state, reason) in phases)
                {
                    await SqlDatabase.ExecuteAsync(
                        c,
                        $"INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES (@p, @r, @i, @p, {SqlDatabase.Literal(state)}, @reason, @t, @t)",
                        ct, ("p", phase), ("r", run), ("i", index), ("reason", reason), ("t", db.Timestamp(DateTime.UtcNow)));
                }

                return 0;
            },
            default);
    }

    protected static async Task<List<PhaseCandidate>> AllAsync(IBacklogStore store, CandidateQuery? query = null)
    {
        var list = new List<PhaseCandidate>();
        await foreach (var candidate in store.StreamCandidatesAsync(query ?? CandidateQuery.All))
        {
            list.Add(candidate);
        }

        return list;
    }

    private static CandidateQuery Query(string? run = null, string[]? prefixes = null, string[]? excluded = null) =>
        new(run, prefixes ?? [], new HashSet<string>(excluded ?? []));

    private static readonly (string Run, string Phase, int Index, string State, string? Reason)[] MixedBacklog =
    [
        ("run-b", "p1", 3, "FAILED", "Builder timed out after 900s"),
        ("run-a", "p1", 3, "FAILED", "CI TIMEOUT"),
        ("run-b", "p2", 1, "FAILED", "AssertionError: boom"),
        ("run-a", "p2", 1, "FAILED", "   "),
        ("run-a", "p3", 2, "FAILED", "patch apply failed: no-op patch"),
        ("run-b", "p3", 2, "FAILED", "MANIFEST mismatch"),
        ("run-a", "p4", 5, "FAILED", "Missing deliverable: docs/guide.md"),
        ("run-b", "p4", 0, "FAILED", "Deliverables incomplete"),
        ("run-a", "p5", 7, "FAILED", "ImportError: cannot import name 'X' from 'pkg.mod' (/app/src/pkg/mod.py)"),
        ("run-b", "p5", 7, "FAILED", "CI collection/import error"),
        ("run-b", "p6", 4, "FAILED", "collection timed out"),
        ("run-a", "p6", 9, "FAILED", null),
        ("run-b", "p7", 9, "FAILED", string.Empty),
        ("run-a", "p8", 9, "FAILED", null),
        ("Run-Z", "p1", 9, "FAILED", null),
        ("run-\uFF5E", "p1", 9, "FAILED", null),
        ("run-\U0001F600", "p1", 9, "FAILED", null),
        ("run-\u00E9", "p1", 9, "FAILED", null),
        ("run-a", "p9", 9, "FAILED", "\u0130MPORT failed"),
        ("run-a", "p10", 0, "COMPLETE", null),
        ("run-b", "p11", 0, "SKIPPED", null),
    ];

    // ----- candidates -----

    [Fact]
    public async Task StreamCandidates_MixedBacklog_FollowsPolicyOrderWithCodePointTies()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(MixedBacklog);
        await using var store = await OpenStoreAsync(new BacklogStoreOptions { FirstPageSize = 2, PageSize = 3 });

        var actual = await AllAsync(store);

        var expected = MixedBacklog.Where(p => p.State == "FAILED")
            .Select(p => new PhaseCandidate(p.Run, p.Phase, p.Index, p.Reason))
            .Order(PhaseOrder.Instance).Select(c => c.Key).ToList();
        Assert.Equal(expected, actual.Select(c => c.Key).ToList());
        Assert.Equal(
            ["Run-Z:p1", "run-a:p6", "run-a:p8", "run-b:p7", "run-\u00E9:p1", "run-\uFF5E:p1", "run-\U0001F600:p1", "run-b:p6", "run-a:p5", "run-b:p5"],
            actual.Take(10).Select(c => c.Key).ToArray());
        Assert.Equal(PhaseCategory.Timeout, actual[^1].Category);
        Assert.All(actual, c => Assert.Null(c.RunInFlightState));
    }

    [Fact]
    public async Task StreamCandidates_EmptyBacklog_YieldsNothing()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run-a", "p1", 0, "COMPLETE", null));
        await using var store = await OpenStoreAsync();

        Assert.Empty(await AllAsync(store));
    }

    [Fact]
    public async Task StreamCandidates_RunWithPhasesInFlight_SetsLowestIndexInFlightState()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(
            ("busy", "f1", 0, "FAILED", null),
            ("busy", "q1", 5, "QUEUED", null),
            ("busy", "e1", 3, "EXECUTING", null),
            ("busy", "g1", 4, "GATE", null),
            ("gate", "f1", 1, "FAILED", null),
            ("gate", "c1", 2, "CI_RUNNING", null),
            ("idle", "f1", 2, "FAILED", null),
            ("idle", "c1", 0, "COMPLETE", null));
        await using var store = await OpenStoreAsync();

        var byRun = (await AllAsync(store)).ToDictionary(c => c.RunId);

        Assert.Equal("EXECUTING", byRun["busy"].RunInFlightState);
        Assert.Equal("CI_RUNNING", byRun["gate"].RunInFlightState);
        Assert.Null(byRun["idle"].RunInFlightState);
    }

    [Fact]
    public async Task StreamCandidates_SkipRunPrefixes_LeavesOutMatchingRunsLiterally()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(
            ("research-v4", "p1", 0, "FAILED", null),
            ("research-v6", "p1", 0, "FAILED", null),
            ("build_1", "p1", 0, "FAILED", null),
            ("buildX1", "p1", 0, "FAILED", null),
            ("50%-done", "p1", 0, "FAILED", null),
            ("500-done", "p1", 0, "FAILED", null),
            ("docs", "p1", 0, "FAILED", null));
        await using var store = await OpenStoreAsync();

        var actual = await AllAsync(store, Query(prefixes: ["research-", "build_", "50%"]));

        Assert.Equal(["500-done", "buildX1", "docs"], actual.Select(c => c.RunId).ToArray());
    }

    [Fact]
    public async Task StreamCandidates_RunFilter_OnlyThatRun()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("a", "p1", 0, "FAILED", null), ("b", "p1", 0, "FAILED", null), ("b", "p2", 1, "FAILED", null), ("ab", "p1", 0, "FAILED", null));
        await using var store = await OpenStoreAsync();

        var actual = await AllAsync(store, Query(run: "b"));

        Assert.Equal(["b:p1", "b:p2"], actual.Select(c => c.Key).ToArray());
    }

    [Fact]
    public async Task StreamCandidates_ExcludedKeys_LeftOutAcrossPages()
    {
        await InitSchemaAsync();
        var phases = Enumerable.Range(0, 30).Select(i => ("run", $"p{i:00}", i, "FAILED", (string?)null)).ToArray();
        await AddPhasesAsync(phases);
        await using var store = await OpenStoreAsync(new BacklogStoreOptions { FirstPageSize = 4, PageSize = 5 });

        var excluded = new[] { "run:p00", "run:p01", "run:p02", "run:p03", "run:p04", "run:p17", "other:p05", "run:p5" };
        var actual = await AllAsync(store, Query(excluded: excluded));

        Assert.Equal(Enumerable.Range(5, 25).Where(i => i != 17).Select(i => $"run:p{i:00}"), actual.Select(c => c.Key));
    }

    [Fact]
    public async Task StreamCandidates_DuplicatePhaseIdAcrossRuns_ListsBothAndExcludesByKey()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run-1", "shared", 0, "FAILED", null), ("run-2", "shared", 0, "FAILED", null));
        await using var store = await OpenStoreAsync();

        Assert.Equal(["run-1:shared", "run-2:shared"], (await AllAsync(store)).Select(c => c.Key).ToArray());
        Assert.Equal(["run-2:shared"], (await AllAsync(store, Query(excluded: ["run-1:shared"]))).Select(c => c.Key).ToArray());

        var outcome = await store.TryRequeueAsync("run-2", "shared");
        Assert.Equal(RequeueStatus.Requeued, outcome.Status);
        Assert.Equal("FAILED", (await store.GetPhaseAsync("run-1", "shared"))!.State);
        Assert.Equal("QUEUED", (await store.GetPhaseAsync("run-2", "shared"))!.State);
    }

    [Fact]
    public async Task StreamCandidates_StoppedEarly_ReadsOnlyFirstPage()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(Enumerable.Range(0, 50).Select(i => ("run", $"p{i:00}", i, "FAILED", (string?)null)).ToArray());
        await using var store = await OpenStoreAsync();

        await using var enumerator = store.StreamCandidatesAsync(CandidateQuery.All).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        Assert.Equal("run:p00", enumerator.Current.Key);
    }

    /// <summary>
    /// Some Autopack schemas leave <c>phases.phase_index</c> nullable; this makes ours so, keeping
    /// the recommended indexes (SQLite cannot drop NOT NULL: the table is rebuilt, then the
    /// indexes are created again from <see cref="BacklogSchema.RecommendedIndexes"/>).
    /// </summary>
    private async Task MakePhaseIndexNullableAsync()
    {
        if (Url.Kind == DatabaseKind.PostgreSql)
        {
            await ExecAsync("ALTER TABLE phases ALTER COLUMN phase_index DROP NOT NULL");
            return;
        }

        await using var admin = await BacklogAdmin.OpenAsync(Url);
        await admin.Database.RunAsync(
            "test",
            async (c, ct) =>
            {
                var command = SqlDatabase.Command(c, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'phases'");
                var create = (string)(await command.ExecuteScalarAsync(ct))!;
                await command.DisposeAsync();
                Assert.Contains("phase_index INTEGER NOT NULL", create, StringComparison.Ordinal);
                await SqlDatabase.ExecuteAsync(c, "ALTER TABLE phases RENAME TO phases_old", ct);
                await SqlDatabase.ExecuteAsync(c, create.Replace("phase_index INTEGER NOT NULL", "phase_index INTEGER", StringComparison.Ordinal), ct);
                await SqlDatabase.ExecuteAsync(c, "INSERT INTO phases SELECT * FROM phases_old", ct);
                await SqlDatabase.ExecuteAsync(c, "DROP TABLE phases_old", ct);
                foreach (var index in BacklogSchema.RecommendedIndexes(DatabaseKind.Sqlite))
                {
                    await SqlDatabase.ExecuteAsync(c, index, ct);
                }

                return 0;
            },
            default);
    }

    [Fact]
    public async Task StreamCandidates_NullPhaseIndex_OrderedAsZeroAcrossPages()
    {
        await InitSchemaAsync();
        await MakePhaseIndexNullableAsync();
        await AddPhasesAsync(
            ("run-a", "p1", 1, "FAILED", null),
            ("run-a", "p2", 2, "FAILED", null),
            ("run-b", "p0", 0, "FAILED", null),
            ("run-c", "p5", 5, "FAILED", null),
            ("run-n", "n1", 0, "FAILED", null),
            ("run-n", "n2", 0, "FAILED", null),
            ("run-n", "n3", 0, "FAILED", null),
            ("run-m", "q1", 0, "QUEUED", null),
            ("run-m", "m1", 3, "FAILED", null));
        await ExecAsync("UPDATE phases SET phase_index = NULL WHERE run_id = 'run-n' OR phase_id = 'q1'");
        await using var store = await OpenStoreAsync(new BacklogStoreOptions { FirstPageSize = 2, PageSize = 2 });

        var actual = await AllAsync(store);

        // NULL sorts as 0 (the Python tool's `phase_index or 0`), on both backends, across page boundaries.
        Assert.Equal(["run-b:p0", "run-n:n1", "run-n:n2", "run-n:n3", "run-a:p1", "run-a:p2", "run-m:m1", "run-c:p5"], actual.Select(c => c.Key).ToArray());
        Assert.All(actual.Where(c => c.RunId == "run-n"), c => Assert.Equal(0, c.PhaseIndex));
        Assert.Equal("QUEUED", actual.Single(c => c.RunId == "run-m").RunInFlightState);
        Assert.Equal(0, (await store.GetPhaseAsync("run-n", "n2"))!.PhaseIndex);
        Assert.Equal(RequeueStatus.Requeued, (await store.TryRequeueAsync("run-n", "n2")).Status);
        Assert.Equal(RequeueStatus.NotFailed, (await store.TryRequeueAsync("run-n", "n2")).Status);
    }

    [Fact]
    public async Task PageSql_RecommendedIndex_ServesEveryPageWithoutSorting()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(Enumerable.Range(0, 40).Select(i => ($"run-{i % 4}", $"p{i:00}", i, "FAILED", (string?)null)).ToArray());
        await using var store = await OpenStoreAsync();
        await using var admin = await BacklogAdmin.OpenAsync(Url);
        var inFlight = await admin.Database.StateListAsync(PhaseStates.InFlight, default);
        var pg = Url.Kind == DatabaseKind.PostgreSql;

        var first = await ExplainAsync(admin, store.PageSql(CandidateQuery.All, inFlight, hasAfter: false));
        var later = await ExplainAsync(admin, store.PageSql(CandidateQuery.All, inFlight, hasAfter: true));

        if (pg)
        {
            // The top node under Limit is the ordered index scan (no Sort), with the keyset as its index condition.
            Assert.Contains("Index Scan using ix_phases_failed_order on phases p", first[1], StringComparison.Ordinal);
            Assert.Contains("Index Scan using ix_phases_failed_order on phases p", later[1], StringComparison.Ordinal);
            Assert.Contains("COALESCE(phase_index, 0), (run_id)::text, (phase_id)::text) > ROW(", later[2], StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("SCAN p USING INDEX ix_phases_failed_order", first[0]);
            Assert.DoesNotContain(first, l => l == "USE TEMP B-TREE FOR ORDER BY");
            Assert.Contains("SEARCH p USING INDEX ix_phases_failed_order (<expr>=? AND <expr>=? AND (run_id,phase_id)>(?,?))", later);
            Assert.Contains("SEARCH p USING INDEX ix_phases_failed_order (<expr>=? AND <expr>>?)", later);
            Assert.Contains("SEARCH p USING INDEX ix_phases_failed_order (<expr>>?)", later);
        }
    }

    /// <summary>
    /// The plan's lines; PostgreSQL may not scan (a tiny table is cheaper to read whole, which
    /// would hide whether the index can serve the query), and SQLite's lines of nested subqueries
    /// are left out (their own small sorts are expected).
    /// </summary>
    private async Task<List<string>> ExplainAsync(BacklogAdmin admin, string sql) =>
        await admin.Database.RunAsync(
            "explain",
            async (c, ct) =>
            {
                var pg = Url.Kind == DatabaseKind.PostgreSql;
                if (pg)
                {
                    await SqlDatabase.ExecuteAsync(c, "SET enable_seqscan = off", ct);
                    await SqlDatabase.ExecuteAsync(c, "SET enable_sort = off", ct);
                }

                var explain = SqlDatabase.Command(c, (pg ? "EXPLAIN (COSTS OFF) " : "EXPLAIN QUERY PLAN ") + sql,
                    ("limit", 16), ("after_category", 0), ("after_index", 3), ("after_run", "run-1"), ("after_phase", "p03"));
                await using (explain)
                {
                    var lines = new List<string>();
                    var subqueries = new HashSet<long>();
                    var reader = await explain.ExecuteReaderAsync(ct);
                    await using (reader)
                    {
                        while (await reader.ReadAsync(ct))
                        {
                            if (pg)
                            {
                                lines.Add(reader.GetString(0));
                                continue;
                            }

                            var (id, parent, detail) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(3));
                            if (detail.StartsWith("CORRELATED SCALAR SUBQUERY", StringComparison.Ordinal) || subqueries.Contains(parent))
                            {
                                subqueries.Add(id);
                                continue;
                            }

                            lines.Add(detail);
                        }
                    }

                    return lines;
                }
            },
            default);

    // ----- state changes -----

    [Fact]
    public async Task TryRequeue_FailedPhase_BecomesQueuedKeepingReason()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p1", 0, "FAILED", "patch apply failed"));
        await using var store = await OpenStoreAsync();

        var outcome = await store.TryRequeueAsync("run", "p1");

        Assert.Equal(new RequeueOutcome(RequeueStatus.Requeued, "QUEUED"), outcome);
        Assert.Equal(new PhaseRecord("run", "p1", 0, "QUEUED", "patch apply failed"), await store.GetPhaseAsync("run", "p1"));
    }

    [Fact]
    public async Task TryRequeue_MissingOrNotFailed_SaysWhy()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "done", 0, "COMPLETE", null));
        await using var store = await OpenStoreAsync();

        Assert.Equal(new RequeueOutcome(RequeueStatus.NotFound, null), await store.TryRequeueAsync("run", "nope"));
        Assert.Equal(new RequeueOutcome(RequeueStatus.NotFailed, "COMPLETE"), await store.TryRequeueAsync("run", "done"));
        Assert.Null(await store.GetPhaseAsync("run", "nope"));
    }

    [Fact]
    public async Task TryRequeue_TwoDrainsRace_ExactlyOneWins()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(Enumerable.Range(0, 5).Select(i => ("run", $"p{i}", i, "FAILED", (string?)null)).ToArray());
        await using var first = await OpenStoreAsync();
        await using var second = await OpenStoreAsync();

        for (var i = 0; i < 5; i++)
        {
            var outcomes = await Task.WhenAll(
                Task.Run(() => first.TryRequeueAsync("run", $"p{i}")),
                Task.Run(() => second.TryRequeueAsync("run", $"p{i}")));

            Assert.Single(outcomes, o => o.Status == RequeueStatus.Requeued);
            Assert.Single(outcomes, o => o is { Status: RequeueStatus.NotFailed, CurrentState: "QUEUED" });
        }
    }

    [Fact]
    public async Task RestoreToFailed_QueuedOrExecuting_BecomesFailedWithReason()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "q", 0, "FAILED", "old"), ("run", "e", 1, "EXECUTING", "old"));
        await using var store = await OpenStoreAsync();
        await store.TryRequeueAsync("run", "q");

        Assert.True(await store.RestoreToFailedAsync("run", "q", "drain timeout after 900s"));
        Assert.True(await store.RestoreToFailedAsync("run", "e", "drain cancelled"));

        Assert.Equal(new PhaseRecord("run", "q", 0, "FAILED", "drain timeout after 900s"), await store.GetPhaseAsync("run", "q"));
        Assert.Equal(new PhaseRecord("run", "e", 1, "FAILED", "drain cancelled"), await store.GetPhaseAsync("run", "e"));
    }

    [Fact]
    public async Task RestoreToFailed_AlreadyFinished_LeftAlone()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "c", 0, "COMPLETE", null), ("run", "f", 1, "FAILED", "real reason"));
        await using var store = await OpenStoreAsync();

        Assert.False(await store.RestoreToFailedAsync("run", "c", "drain timeout after 900s"));
        Assert.False(await store.RestoreToFailedAsync("run", "f", "drain timeout after 900s"));
        Assert.False(await store.RestoreToFailedAsync("run", "missing", "drain timeout after 900s"));

        Assert.Equal(new PhaseRecord("run", "c", 0, "COMPLETE", null), await store.GetPhaseAsync("run", "c"));
        Assert.Equal("real reason", (await store.GetPhaseAsync("run", "f"))!.LastFailureReason);
    }

    [Fact]
    public async Task WaitForSettled_ExecutorFinishesLater_ReturnsFinalState()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p", 0, "FAILED", null));
        await using var store = await OpenStoreAsync();
        await store.TryRequeueAsync("run", "p");

        var wait = store.WaitForSettledAsync("run", "p", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        await Task.Delay(200);
        Assert.True(await DemoBacklog.CompletePhaseAsync(Url, "run", "p", succeeded: true, failureReason: null));

        Assert.Equal("COMPLETE", (await wait)!.State);
    }

    [Fact]
    public async Task WaitForSettled_StaysQueued_GivesUpAfterMaxWait()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p", 0, "QUEUED", null));
        await using var store = await OpenStoreAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var phase = await store.WaitForSettledAsync("run", "p", TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(50));

        Assert.Equal("QUEUED", phase!.State);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task CompletePhase_Failed_RecordsReason()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run", "p", 0, "QUEUED", null));
        await using var store = await OpenStoreAsync();

        Assert.True(await DemoBacklog.CompletePhaseAsync(Url, "run", "p", succeeded: false, failureReason: "TOKEN_ESCALATION: budget exceeded"));
        Assert.False(await DemoBacklog.CompletePhaseAsync(Url, "run", "missing", succeeded: true, failureReason: null));

        Assert.Equal(new PhaseRecord("run", "p", 0, "FAILED", "TOKEN_ESCALATION: budget exceeded"), await store.GetPhaseAsync("run", "p"));
    }

    // ----- telemetry -----

    [Fact]
    public async Task CountTelemetry_RowsInBothTables_SumsAndFiltersByRun()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("a", "p", 0, "FAILED", null), ("b", "p", 0, "FAILED", null));
        await using var store = await OpenStoreAsync();
        Assert.Equal(0, await store.CountTelemetryAsync());

        await DemoBacklog.AddTelemetryAsync(Url, "a", "p", 3);
        await DemoBacklog.AddTelemetryAsync(Url, "b", "p", 2);
        await ExecAsync("INSERT INTO token_budget_escalation_events (run_id, phase_id, created_at) VALUES ('a', 'p', CURRENT_TIMESTAMP)");

        Assert.Equal(6, await store.CountTelemetryAsync());
        Assert.Equal(4, await store.CountTelemetryAsync("a"));
        Assert.Equal(2, await store.CountTelemetryAsync("b"));
        Assert.Equal(0, await store.CountTelemetryAsync("c"));
    }

    [Theory]
    [InlineData("token_budget_escalation_events", "token_estimation_v2_events", 3)]
    [InlineData("token_estimation_v2_events", "token_budget_escalation_events", 2)]
    public async Task CountTelemetry_OneTableMissing_CountsTheOther(string dropped, string kept, long expected)
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("a", "p", 0, "FAILED", null));
        await ExecAsync($"DROP TABLE {dropped}");
        for (var i = 0; i < expected; i++)
        {
            await ExecAsync($"INSERT INTO {kept} (run_id, phase_id, created_at) VALUES ('a', 'p', CURRENT_TIMESTAMP)");
        }

        await using var store = await OpenStoreAsync();

        // Autopack's own test: only token_estimation_v2_events present -> its count.
        Assert.Equal(expected, await store.CountTelemetryAsync());
        Assert.Equal(expected, await store.CountTelemetryAsync("a"));
        Assert.Equal(0, await store.CountTelemetryAsync("b"));
    }

    [Fact]
    public async Task CountTelemetry_BothTablesMissing_ReturnsNullNotZero()
    {
        await InitSchemaAsync();
        await ExecAsync("DROP TABLE token_estimation_v2_events");
        await ExecAsync("DROP TABLE token_budget_escalation_events");
        await using var store = await OpenStoreAsync();

        Assert.Null(await store.CountTelemetryAsync());
        Assert.Null(await store.CountTelemetryAsync("run"));
        Assert.NotNull(await store.DescribeAsync());
    }

    // ----- selection over the store: Autopack's BUILD-132 scenarios -----

    /// <summary>Picks as a dry run does (each pick excluded from the next) until nothing is left.</summary>
    private static async Task<(List<string> Picks, List<string> Lines)> PickAllAsync(IBacklogStore store, Core.Options.DrainOptions options)
    {
        var state = new Core.Sessions.PolicyState();
        var picks = new List<string>();
        var lines = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var outcome = await BacklogSelection.SelectNextAsync(store, state, options);
            lines.AddRange(outcome.Lines);
            if (outcome.Selected is not { } pick)
            {
                break;
            }

            picks.Add(pick.Key);
            state.ProcessedKeys.Add(pick.Key);
        }

        return (picks, lines);
    }

    [Fact]
    public async Task SelectNext_RunWithOneQueuedAndFiveFailed_DrainsAllEightFailed()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(
            ("run1", "q0", 0, "QUEUED", null),
            ("run1", "f1", 1, "FAILED", "error 1"), ("run1", "f2", 2, "FAILED", "error 2"), ("run1", "f3", 3, "FAILED", "error 3"),
            ("run1", "f4", 4, "FAILED", "error 4"), ("run1", "f5", 5, "FAILED", "error 5"),
            ("run2", "f1", 0, "FAILED", "error 1"), ("run2", "f2", 1, "FAILED", "error 2"), ("run2", "f3", 2, "FAILED", "error 3"));
        await using var store = await OpenStoreAsync();

        var (picks, lines) = await PickAllAsync(store, new Core.Options.DrainOptions());

        Assert.Equal(8, picks.Count);
        Assert.DoesNotContain("run1:q0", picks);
        Assert.Contains("  [INFO] Skipping 1 individual QUEUED phases (not entire runs)", lines);
        Assert.DoesNotContain(lines, l => l.Contains("[SKIP]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SelectNext_TwoRunsEachWithQueuedPhase_DrainsAllThirteenFailed()
    {
        await InitSchemaAsync();
        var rows = new List<(string, string, int, string, string?)> { ("ra", "queued", 0, "QUEUED", null), ("rb", "queued", 0, "QUEUED", null) };
        rows.AddRange(Enumerable.Range(1, 7).Select(i => ("ra", $"p{i}", i, "FAILED", (string?)"deliverable missing")));
        rows.AddRange(Enumerable.Range(1, 6).Select(i => ("rb", $"p{i}", i, "FAILED", (string?)null)));
        await AddPhasesAsync([.. rows]);
        await using var store = await OpenStoreAsync();

        var (picks, lines) = await PickAllAsync(store, new Core.Options.DrainOptions());

        Assert.Equal(13, picks.Count);
        Assert.Equal(14, lines.Count(l => l == "  [INFO] Skipping 2 individual QUEUED phases (not entire runs)"));
    }

    [Fact]
    public async Task SelectNext_NoSkipRunsWithQueued_PrintsNoInfoLine()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("run1", "q0", 0, "QUEUED", null), ("run1", "f1", 1, "FAILED", null));
        await using var store = await OpenStoreAsync();

        var (picks, lines) = await PickAllAsync(store, new Core.Options.DrainOptions { SkipRunsWithQueued = false });

        Assert.Equal(["run1:f1"], picks);
        Assert.DoesNotContain(lines, l => l.Contains("[INFO]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SelectNext_SkipRunsInFlight_SkipsWholeRunsWithAPhaseInFlight()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(
            ("run1", "q0", 0, "QUEUED", null), ("run1", "f1", 1, "FAILED", null),
            ("run2", "g0", 0, "GATE", null), ("run2", "f1", 1, "FAILED", null),
            ("run3", "f1", 1, "FAILED", null));
        await using var store = await OpenStoreAsync();

        var (picks, lines) = await PickAllAsync(store, new Core.Options.DrainOptions { SkipRunsInFlight = true });

        Assert.Equal(["run3:f1"], picks);
        Assert.Contains("  [SKIP] run1/f1: run run1 has a phase in flight (QUEUED)", lines);
        Assert.Contains("  [SKIP] run2/f1: run run2 has a phase in flight (GATE)", lines);
    }

    // ----- schema, seed, identity -----

    [Fact]
    public async Task Describe_NoSchema_StoreRefusesAndAdminCountsEmpty()
    {
        await using var admin = await BacklogAdmin.OpenAsync(Url);
        var summary = await admin.DescribeAsync();
        Assert.True(summary.IsEmpty);
        Assert.False(await admin.HasSchemaAsync());

        var error = await Assert.ThrowsAsync<BacklogSchemaException>(() => BacklogStores.OpenAsync(Url));
        Assert.Contains("db init", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_TablesExist_RefusesAndChangesNothing()
    {
        await InitSchemaAsync();
        await ExecAsync("DROP TABLE token_budget_escalation_events");

        var error = await Assert.ThrowsAsync<BacklogSchemaException>(() => BacklogSchema.InitAsync(Url, SchemaOptions));

        Assert.Contains("already has runs", error.Message, StringComparison.Ordinal);
        await using var store = await OpenStoreAsync();
        Assert.Equal(0, await store.CountTelemetryAsync());
    }

    [Fact]
    public async Task Seed_EmptyDatabase_FillsEveryCategoryAndInFlightRuns()
    {
        await InitSchemaAsync();
        await using var admin = await BacklogAdmin.OpenAsync(Url);

        var summary = await admin.SeedDemoAsync();

        Assert.Equal(6, summary.Runs);
        Assert.InRange(summary.Failed, 35, 50);
        Assert.Equal(2, summary.InFlight);
        Assert.StartsWith($"Database: {Url.Masked} (6 runs, ", summary.IdentityLine, StringComparison.Ordinal);
        await using var store = await OpenStoreAsync();
        var candidates = await AllAsync(store);
        Assert.Equal(summary.Failed, candidates.Count);
        Assert.Equal(Enum.GetValues<PhaseCategory>().Order(), candidates.Select(c => c.Category).Distinct().Order());
        Assert.Equal(candidates.Order(PhaseOrder.Instance).Select(c => c.Key), candidates.Select(c => c.Key));
        Assert.Contains(candidates, c => c.RunId == "research-system-v6" && c.RunInFlightState == "QUEUED");
        Assert.Contains(candidates, c => c.RunId == "autopack-telemetry-v2" && c.RunInFlightState == "EXECUTING");
        Assert.Contains(candidates.GroupBy(c => c.PhaseId), g => g.Count() > 1);
        Assert.True(await store.CountTelemetryAsync() > 0);
        await ExecAsync("INSERT INTO tiers (tier_id, run_id, tier_index, name, state, created_at, updated_at) VALUES ('T9', 'docs-refresh-v1', 9, 'Extra', 'PENDING', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
    }

    [Fact]
    public async Task Seed_NonEmptyDatabase_RefusesAndChangesNothing()
    {
        await InitSchemaAsync();
        await AddPhasesAsync(("mine", "p", 0, "FAILED", null));

        var error = await Assert.ThrowsAsync<BacklogSchemaException>(() => DemoBacklog.SeedAsync(Url));

        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        await using var store = await OpenStoreAsync();
        var summary = await store.DescribeAsync();
        Assert.Equal((1, 1), (summary.Runs, summary.Phases));
    }

    [Fact]
    public async Task Seed_NoSchema_Refuses()
    {
        await Assert.ThrowsAsync<BacklogSchemaException>(() => DemoBacklog.SeedAsync(Url));
    }

    // ----- errors and retries -----

    [Fact]
    public async Task RunAsync_SqlError_NotRetried()
    {
        await InitSchemaAsync();
        await using var admin = await BacklogAdmin.OpenAsync(Url, new BacklogStoreOptions { Retry = new DatabaseRetry(4, TimeSpan.FromMilliseconds(10)) });
        var calls = 0;

        var error = await Assert.ThrowsAnyAsync<DbException>(() => admin.Database.RunAsync(
            "bad query",
            async (c, ct) =>
            {
                calls++;
                return await SqlDatabase.ExecuteAsync(c, "SELEC nonsense FROM phases", ct);
            },
            default));

        Assert.Equal(1, calls);
        Assert.False(TransientErrors.IsTransient(error));
    }
}
