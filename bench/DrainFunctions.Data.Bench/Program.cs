// Benchmark (not a test): median time per pick on PostgreSQL and SQLite, the store's keyset query
// against "the Python tool's way" (load every FAILED row, categorize and sort in memory).
// Usage: dotnet run -c Release --project bench/DrainFunctions.Data.Bench -- --pg "<npgsql connstr>"
//        [--sizes 1000,100000,1000000] [--sqlite-dir DIR] [--reps 30] [--explain]
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;
using DrainFunctions.Data;
using DrainFunctions.Flags;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

var pgOption = Flag.Text("--pg", "CONNSTR", "an Npgsql connection string of a PostgreSQL server to create bench databases on (without it: SQLite only)");
var sizesOption = Flag.Valued<int[]>("--sizes", "N[,N]", "FAILED rows per database (default 1000,100000)", (result, text) =>
{
    var sizes = text.Split(',').Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0).ToArray();
    if (sizes.Contains(0))
    {
        result.AddError(FlagError.Text("--sizes", $"invalid value: '{FlagError.Shorten(text)}' (allowed: integers >= 1, comma-separated)"));
    }

    return sizes;
});
var sqliteDirOption = Flag.Text("--sqlite-dir", "DIR", "where the SQLite databases go (default: a temporary folder)");
var repsOption = Flag.WholeNumber("--reps", "picks per measurement (default 30)", 1);
var explainOption = Flag.Switch("--explain", "print PostgreSQL's plan of the pick query");
var root = new RootCommand("Median time per pick on PostgreSQL and SQLite: the store's keyset query against the Python tool's way")
{
    pgOption, sizesOption, sqliteDirOption, repsOption, explainOption,
};
CommandHelp.Install(root);
if (!FlagParsing.TryParse(root, args, Console.Out, Console.Error, out var parsed, out var exitCode))
{
    return exitCode;
}

var pg = parsed.GetValue(pgOption);
var sizes = parsed.GetValue(sizesOption) ?? [1000, 100000];
var sqliteDir = parsed.GetValue(sqliteDirOption) ?? Path.Combine(Path.GetTempPath(), "drain-bench");
var reps = parsed.GetValue(repsOption) ?? 30;
var explain = parsed.GetValue(explainOption);
Directory.CreateDirectory(sqliteDir);

var rows = new List<string[]>();
foreach (var size in sizes)
{
    var data = Generate(size);
    if (pg is not null)
    {
        rows.Add(await BenchPostgres(pg, size, data));
    }

    rows.Add(await BenchSqlite(sqliteDir, size, data));
}

Console.WriteLine();
Console.WriteLine($"Median time per pick (first candidate, {reps} picks, 10 excluded keys); the Python way loads every FAILED row and sorts in memory.");
string[] header = ["database", "FAILED rows", "seed (s)", "pick: keyset (ms)", "pick: Python way (ms)", "speed-up"];
var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
Console.WriteLine(string.Join(" | ", header.Select((h, i) => h.PadLeft(widths[i]))));
Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
foreach (var row in rows)
{
    Console.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadLeft(widths[i]))));
}

return 0;

// 1000 FAILED phases per run, reasons of every category, 5 % of runs with a QUEUED phase.
static (List<(string Run, string Phase, int Index, string State, string? Reason)> Phases, int Runs) Generate(int failed)
{
    var random = new Random(42);
    var perRun = 1000;
    var runs = Math.Max(1, (failed + perRun - 1) / perRun);
    var list = new List<(string, string, int, string, string?)>(failed + runs);
    for (var i = 0; i < failed; i++)
    {
        var run = i / perRun;
        var reason = DemoBacklog.Reasons[random.Next(DemoBacklog.Reasons.Count)];
        list.Add(($"bench-run-{run:00000}", $"phase-{i % perRun:0000}", random.Next(0, 50), "FAILED", reason));
    }

    for (var run = 0; run < runs; run += 20)
    {
        list.Add(($"bench-run-{run:00000}", "phase-inflight", 999, "QUEUED", null));
    }

    return (list, runs);
}

async Task<string[]> BenchPostgres(string adminConnectionString, int size, (List<(string Run, string Phase, int Index, string State, string? Reason)> Phases, int Runs) data)
{
    var name = $"drain_bench_{size}_{Guid.NewGuid():N}"[..40];
    await using (var admin = new NpgsqlConnection(adminConnectionString))
    {
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
        await create.ExecuteNonQueryAsync();
    }

    var cs = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name };
    var url = DatabaseUrl.Parse($"postgresql://{Uri.EscapeDataString(cs.Username!)}:{Uri.EscapeDataString(cs.Password ?? string.Empty)}@{cs.Host}:{cs.Port}/{name}");
    try
    {
        var seed = Stopwatch.StartNew();
        await BacklogSchema.InitAsync(url, new BacklogSchemaOptions(DemoIndexes: false));
        await using (var connection = new NpgsqlConnection(cs.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var runs = await connection.BeginBinaryImportAsync("COPY runs (id, state, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var run in data.Phases.Select(p => p.Run).Distinct())
                {
                    await runs.StartRowAsync();
                    await runs.WriteAsync(run, NpgsqlDbType.Varchar);
                    await runs.WriteAsync("PHASE_EXECUTION", NpgsqlDbType.Varchar);
                    await runs.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                    await runs.WriteAsync(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
                }

                await runs.CompleteAsync();
            }

            await using (var phases = await connection.BeginBinaryImportAsync("COPY phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
            {
                var now = DateTime.UtcNow;
                foreach (var (run, phase, index, state, reason) in data.Phases)
                {
                    await phases.StartRowAsync();
                    await phases.WriteAsync(phase, NpgsqlDbType.Varchar);
                    await phases.WriteAsync(run, NpgsqlDbType.Varchar);
                    await phases.WriteAsync(index, NpgsqlDbType.Integer);
                    await phases.WriteAsync(phase, NpgsqlDbType.Varchar);
                    await phases.WriteAsync(state, NpgsqlDbType.Varchar);
                    if (reason is null)
                    {
                        await phases.WriteNullAsync();
                    }
                    else
                    {
                        await phases.WriteAsync(reason, NpgsqlDbType.Text);
                    }

                    await phases.WriteAsync(now, NpgsqlDbType.TimestampTz);
                    await phases.WriteAsync(now, NpgsqlDbType.TimestampTz);
                }

                await phases.CompleteAsync();
            }

            await CreateIndexesAsync(url);
            await using var analyze = new NpgsqlCommand("ANALYZE", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        var seedSeconds = seed.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"[bench] PostgreSQL {size}: seeded in {seedSeconds:F1}s");
        return await MeasureAsync("PostgreSQL", size, url, seedSeconds, "SELECT run_id, phase_id, phase_index, last_failure_reason FROM phases WHERE state = 'FAILED'");
    }
    finally
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

async Task<string[]> BenchSqlite(string dir, int size, (List<(string Run, string Phase, int Index, string State, string? Reason)> Phases, int Runs) data)
{
    var path = Path.Combine(dir, $"bench-{size}.db");
    foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
    {
        File.Delete(path + suffix);
    }

    var url = DatabaseUrl.Parse($"sqlite:///{Path.GetFullPath(path)}");
    try
    {
        var seed = Stopwatch.StartNew();
        await BacklogSchema.InitAsync(url, new BacklogSchemaOptions(DemoIndexes: false));
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            await using (var runs = new SqliteCommand("INSERT INTO runs (id, state, created_at, updated_at) VALUES ($id, 'PHASE_EXECUTION', $t, $t)", connection, transaction))
            {
                var id = runs.Parameters.Add("$id", SqliteType.Text);
                runs.Parameters.AddWithValue("$t", now);
                runs.Prepare();
                foreach (var run in data.Phases.Select(p => p.Run).Distinct())
                {
                    id.Value = run;
                    await runs.ExecuteNonQueryAsync();
                }
            }

            await using (var phases = new SqliteCommand("INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES ($p, $r, $i, $p, $s, $reason, $t, $t)", connection, transaction))
            {
                var p = phases.Parameters.Add("$p", SqliteType.Text);
                var r = phases.Parameters.Add("$r", SqliteType.Text);
                var i = phases.Parameters.Add("$i", SqliteType.Integer);
                var s = phases.Parameters.Add("$s", SqliteType.Text);
                var reasonParameter = phases.Parameters.Add("$reason", SqliteType.Text);
                phases.Parameters.AddWithValue("$t", now);
                phases.Prepare();
                foreach (var (run, phase, index, state, reason) in data.Phases)
                {
                    (p.Value, r.Value, i.Value, s.Value, reasonParameter.Value) = (phase, run, index, state, (object?)reason ?? DBNull.Value);
                    await phases.ExecuteNonQueryAsync();
                }
            }

            await transaction.CommitAsync();
        }

        await CreateIndexesAsync(url);
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var analyze = new SqliteCommand("ANALYZE", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        var seedSeconds = seed.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"[bench] SQLite {size}: seeded in {seedSeconds:F1}s");
        return await MeasureAsync("SQLite", size, url, seedSeconds, "SELECT run_id, phase_id, phase_index, last_failure_reason FROM phases WHERE state = 'FAILED'");
    }
    finally
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }
}

static async Task CreateIndexesAsync(DatabaseUrl url)
{
    await using var admin = await BacklogAdmin.OpenAsync(url);
    var db = admin.Database;
    await db.RunAsync(
        "indexes",
        async (c, ct) =>
        {
            await SqlDatabase.ExecuteAsync(c, BacklogSchema.OrderIndexSql(db), ct);
            await SqlDatabase.ExecuteAsync(c, BacklogSchema.RunStateIndexSql(), ct);
            return 0;
        },
        default);
}

async Task<string[]> MeasureAsync(string label, int size, DatabaseUrl url, double seedSeconds, string loadAll)
{
    await using var store = (SqlBacklogStore)await BacklogStores.OpenAsync(url);

    // A realistic session: the first ten phases in order were processed already.
    var excluded = new HashSet<string>(StringComparer.Ordinal);
    await foreach (var candidate in store.StreamCandidatesAsync(CandidateQuery.All))
    {
        excluded.Add(candidate.Key);
        if (excluded.Count == 10)
        {
            break;
        }
    }

    var query = new CandidateQuery(null, ["zz-skipped-"], excluded);
    PhaseCandidate? keysetPick = null;
    var keyset = await TimeAsync(reps, async () =>
    {
        await foreach (var candidate in store.StreamCandidatesAsync(query))
        {
            keysetPick = candidate;
            break;
        }
    });

    if (explain)
    {
        await ExplainAsync(store, url, query, null);
        await ExplainAsync(store, url, query, ((int)keysetPick!.Category, keysetPick.PhaseIndex, keysetPick.RunId, keysetPick.PhaseId));
    }

    await using var admin = await BacklogAdmin.OpenAsync(url);
    PhaseCandidate? naivePick = null;
    var naiveReps = size >= 1_000_000 ? Math.Min(reps, 5) : reps;
    var naive = await TimeAsync(naiveReps, async () =>
    {
        naivePick = await admin.Database.RunAsync(
            "load all",
            async (c, ct) =>
            {
                var all = new List<(int Category, PhaseCandidate Candidate)>();
                await using var command = SqlDatabase.Command(c, loadAll);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var candidate = new PhaseCandidate(reader.GetString(0), reader.GetString(1), Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), reader.IsDBNull(3) ? null : reader.GetString(3));
                    if (!excluded.Contains(candidate.Key))
                    {
                        all.Add(((int)PhaseCategorizer.Categorize(candidate.LastFailureReason), candidate));
                    }
                }

                // Python: sorted(phases, key=(category, phase_index)) over the whole backlog, then the first.
                all.Sort((x, y) =>
                {
                    var byCategory = x.Category.CompareTo(y.Category);
                    if (byCategory != 0)
                    {
                        return byCategory;
                    }

                    var byIndex = x.Candidate.PhaseIndex.CompareTo(y.Candidate.PhaseIndex);
                    if (byIndex != 0)
                    {
                        return byIndex;
                    }

                    var byRun = PhaseOrder.CompareCodePoints(x.Candidate.RunId, y.Candidate.RunId);
                    return byRun != 0 ? byRun : PhaseOrder.CompareCodePoints(x.Candidate.PhaseId, y.Candidate.PhaseId);
                });
                return all.Count == 0 ? null : all[0].Candidate;
            },
            default);
    });

    if (keysetPick?.Key != naivePick?.Key)
    {
        throw new InvalidOperationException($"{label} {size}: keyset picked {keysetPick?.Key}, the Python way {naivePick?.Key}");
    }

    Console.Error.WriteLine($"[bench] {label} {size}: keyset {keyset:F3} ms, Python way {naive:F1} ms (pick {keysetPick?.Key})");
    return [label, size.ToString("N0", CultureInfo.InvariantCulture), seedSeconds.ToString("F1", CultureInfo.InvariantCulture), keyset.ToString("F3", CultureInfo.InvariantCulture), naive.ToString("F1", CultureInfo.InvariantCulture), $"{naive / keyset:F0}x"];
}

static async Task<double> TimeAsync(int count, Func<Task> action)
{
    for (var i = 0; i < 10; i++)
    {
        await action();
    }

    var times = new List<double>(count);
    for (var i = 0; i < count; i++)
    {
        var clock = Stopwatch.StartNew();
        await action();
        times.Add(clock.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    return times.Count % 2 == 1 ? times[times.Count / 2] : (times[(times.Count / 2) - 1] + times[times.Count / 2]) / 2;
}

static async Task ExplainAsync(SqlBacklogStore store, DatabaseUrl url, CandidateQuery query, (int, int, string, string)? after)
{
    await using var admin = await BacklogAdmin.OpenAsync(url);
    var db = admin.Database;
    var inFlight = await db.StateListAsync(PhaseStates.InFlight, default);
    Console.Error.WriteLine(after is null ? "  -- first page" : "  -- a later page (keyset)");
    var prefix = url.Kind == DatabaseKind.PostgreSql ? "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " : "EXPLAIN QUERY PLAN ";
    await db.RunAsync(
        "explain",
        async (c, ct) =>
        {
            await using var command = store.PageCommand(c, query, inFlight, after, after is null ? 16 : 64);
            command.CommandText = prefix + command.CommandText;
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                Console.Error.WriteLine("  " + string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i)?.ToString())));
            }

            return 0;
        },
        default);
}
