using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using DrainFunctions.Core.Forecasts;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Data;
using DrainFunctions.Durable.Hosting;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using DrainFunctions.LocalHost;
using DrainFunctions.Simulation;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Simulation.Tests;

/// <summary>Runs real processes and the in-process Durable Task engine: never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DurableParityGroup
{
    public const string Name = "durable-parity";
}

/// <summary>
/// Issue 8's parity check: one small backlog drained by the simulator and by the real durable
/// drain (DrainOrchestrator and its activities on the in-process engine, a SQLite backlog, Azurite
/// blobs, a bash executor that sets each phase's outcome with the demo executor). Both must make
/// the same picks in the same order and end with the same policy totals. Only what the policy
/// decides is compared: durations are real on one side and simulated on the other.
/// </summary>
[Collection(DurableParityGroup.Name)]
public sealed class DurableParityTests
{
    private const int PhaseTimeoutSeconds = 8;

    // Fixed failure messages per run, so that fingerprints repeat and runs get stopped.
    private const string ImportMessage = "ImportError at line 12: cannot import planner from /app/src/planner_mod.py:45";
    private const string BetaMessage = "AssertionError: expected 3 tests to pass, got 1 in /work/tests/test_beta.py:88";
    private const string GammaMessage = "Patch failed to apply: hunk 3 rejected at /src/gamma/core.py:210";
    private const string DeltaMessage = "TOKEN_ESCALATION: builder exceeded its token budget at 2026-01-05 03:12:44";

    private enum Outcome
    {
        Complete,
        Fail,
        Hang,

        /// <summary>Prints every 0.3 s for 4.5 s, then completes (about 5-6 s with the demo executor's start).</summary>
        Steady,

        /// <summary>Prints every 0.3 s forever.</summary>
        NoisyHang,
    }

    /// <summary>One FAILED phase of the backlog and what its next attempt does.</summary>
    private sealed record Scripted(string Run, string Phase, int Index, string? InitialReason, Outcome Outcome, int Telemetry = 0, string? Message = null)
    {
        public string Key => Run + ":" + Phase;
    }

    // Every category of last_failure_reason: unknown (null), collection/import, missing deliverable,
    // patch, other, timed out. Order by the policy: category, phase_index, run_id, phase_id.
    private static readonly Scripted[] Backlog =
    [
        new("r-alpha", "ok-a0", 0, null, Outcome.Complete, 3),
        new("r-alpha", "fail-a1", 1, "ImportError: cannot import name 'Planner' from 'autopack.plan'", Outcome.Fail, 0, ImportMessage),
        new("r-alpha", "fail-a2", 2, "CI collection error: 2 errors during collection", Outcome.Fail, 0, ImportMessage),
        new("r-alpha", "ok-a3", 3, "Missing deliverable: docs/alpha.md", Outcome.Complete, 2),
        new("r-beta", "hang-b0", 0, "Deliverable missing: out/report.md", Outcome.Hang),
        new("r-beta", "ok-b1", 1, "patch apply failed: hunk 2 rejected", Outcome.Complete, 5),
        new("r-beta", "fail-b2", 2, null, Outcome.Fail, 1, BetaMessage),
        new("r-gamma", "ok-g0", 0, "Phase execution timed out after 900 seconds", Outcome.Complete, 2),
        new("r-gamma", "fail-g1", 1, "AssertionError: expected 3 tests to pass, got 1", Outcome.Fail, 0, GammaMessage),
        new("r-gamma", "ok-g2", 2, null, Outcome.Complete, 0),
        new("r-gamma", "hang-g3", 3, "no-op patch", Outcome.Hang),
        new("r-delta", "fail-d0", 0, "Executor crashed: exit 137", Outcome.Fail, 0, DeltaMessage),
        new("r-delta", "ok-d1", 1, "ModuleNotFoundError: no module named yaml", Outcome.Complete, 4),
        new("r-delta", "fail-d2", 2, "TOKEN_ESCALATION: budget exceeded", Outcome.Fail, 0, DeltaMessage),
        new("r-eps", "ok-e0", 0, "builder timed out waiting for a response", Outcome.Complete, 1),
    ];

    private static DrainOptions Options => new()
    {
        BatchSize = 50,
        PhaseTimeoutSeconds = PhaseTimeoutSeconds,
        MaxTimeoutsPerRun = 1,
        MaxFingerprintRepeats = 2,
        MaxAttemptsPerPhase = 2,
        LedgerEnabled = false,
    };

    [Fact]
    public async Task SimulatorAndDurableDrain_SameBacklog_SamePicksAndTotals()
    {
        var simulated = RunSimulator(Options, Backlog);
        var (output, session) = await RunDurableAsync(Options, Backlog, localHost: false);

        // The policy, worked out by hand: the two drains must agree with each other and with it.
        string[] expected =
        [
            "r-alpha:ok-a0",   // unknown, index 0
            "r-beta:fail-b2",  // unknown, index 2 (r-beta < r-gamma)
            "r-gamma:ok-g2",   // unknown, index 2; zero telemetry
            "r-alpha:fail-a1", // collection
            "r-alpha:fail-a2", // collection; 2nd import fingerprint -> r-alpha stopped (ok-a3 skipped)
            "r-beta:hang-b0",  // deliverable; timeout -> r-beta at its timeout limit (ok-b1 skipped)
            "r-gamma:hang-g3", // patch; 2nd timeout fingerprint -> r-gamma stopped (fail-g1, ok-g0 skipped)
            "r-delta:fail-d0", // other, index 0
            "r-delta:ok-d1",   // other, index 1 (r-delta < r-gamma)
            "r-delta:fail-d2", // other; 2nd token-escalation fingerprint -> r-delta stopped
            "r-eps:ok-e0",     // timeout category last
        ];
        var durablePicks = session.Results.Select(r => r.Key).ToList();
        Assert.Equal(expected, simulated.Picks);
        Assert.Equal(simulated.Picks, durablePicks);

        // Why each session ended.
        Assert.Equal(SessionStop.NoEligiblePhases, simulated.Stop);
        Assert.Equal(simulated.Stop.ToString(), output.Stop);

        // Result by result: what the bookkeeping reads from each.
        Assert.Equal(Describe(simulated.Results), Describe(session.Results));

        // The totals and the stop-condition state.
        var sim = simulated.State;
        var durable = session.State;
        Assert.Equal(sim.TotalProcessed, durable.TotalProcessed);
        Assert.Equal(sim.TotalSuccess, durable.TotalSuccess);
        Assert.Equal(sim.TotalFailed, durable.TotalFailed);
        Assert.Equal(sim.TotalTimeouts, durable.TotalTimeouts);
        Assert.Equal(sim.TotalTelemetryEvents, durable.TotalTelemetryEvents);
        Assert.Equal(sim.ConsecutiveZeroYield, durable.ConsecutiveZeroYield);
        Assert.Equal(sim.FingerprintCounts.ToList(), durable.FingerprintCounts.ToList());
        Assert.Equal(sim.StoppedFingerprints, durable.StoppedFingerprints);
        Assert.Equal(sim.StoppedRuns, durable.StoppedRuns);
        Assert.Equal(output.StoppedRuns, durable.StoppedRuns);
        Assert.Equal(
            (output.TotalProcessed, output.TotalSuccess, output.TotalFailed, output.TotalTimeouts, output.TotalTelemetryEvents),
            (sim.TotalProcessed, sim.TotalSuccess, sim.TotalFailed, sim.TotalTimeouts, sim.TotalTelemetryEvents));

        // The comparison covers the stop conditions, not only the order.
        Assert.Equal((11, 4, 7, 2, 9), (sim.TotalProcessed, sim.TotalSuccess, sim.TotalFailed, sim.TotalTimeouts, sim.TotalTelemetryEvents));
        Assert.Equal(["r-alpha", "r-gamma", "r-delta"], sim.StoppedRuns);
        Assert.Equal(4, sim.FingerprintCounts.Count);
        Assert.Contains(simulated.Skips, s => s.Contains("run r-beta has 1 timeouts (limit: 1)", StringComparison.Ordinal));
    }

    /// <summary>
    /// Issue 13: three slots. Which phase ends first depends on real timing, so the two drains may
    /// interleave runs differently; what must agree is what the policy decides run by run. The
    /// backlog has one hanging phase (the sequential test's second one would share its timeout
    /// fingerprint with another run, and which of the two runs that stops would depend on timing).
    /// </summary>
    [Fact]
    public async Task SimulatorAndDurableDrain_ThreeSlots_SamePicksPerRunTotalsAndStoppedRuns()
    {
        Scripted[] backlog = [.. Backlog.Select(p => p.Key == "r-gamma:hang-g3" ? p with { Outcome = Outcome.Complete, Telemetry = 1 } : p)];
        var options = Options with { Parallel = 3 };

        var simulated = RunSimulator(options, backlog);
        var (output, session) = await RunDurableAsync(options, backlog, localHost: true);

        static List<string> PerRun(IEnumerable<string> keys) => [.. keys.GroupBy(k => k.Split(':')[0]).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => string.Join(" ", g))];
        var durablePicks = session.Results.Select(r => r.Key).ToList();
        Assert.Equal(PerRun(simulated.Picks), PerRun(durablePicks));
        Assert.Equal(simulated.Picks.Order(StringComparer.Ordinal), durablePicks.Order(StringComparer.Ordinal));
        Assert.Equal(Describe(simulated.Results).Order(StringComparer.Ordinal), Describe(session.Results).Order(StringComparer.Ordinal));
        Assert.Equal(simulated.Stop.ToString(), output.Stop);
        var (sim, durable) = (simulated.State, session.State);
        Assert.Equal(
            (sim.TotalProcessed, sim.TotalSuccess, sim.TotalFailed, sim.TotalTimeouts, sim.TotalTelemetryEvents),
            (durable.TotalProcessed, durable.TotalSuccess, durable.TotalFailed, durable.TotalTimeouts, durable.TotalTelemetryEvents));
        Assert.Equal(sim.FingerprintCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal), durable.FingerprintCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(sim.StoppedRuns.Order(StringComparer.Ordinal), durable.StoppedRuns.Order(StringComparer.Ordinal));
        // By hand: r-gamma is no longer stopped, so fail-g1 and ok-g0 are drained too.
        Assert.Equal((13, 6, 7, 1, 12), (sim.TotalProcessed, sim.TotalSuccess, sim.TotalFailed, sim.TotalTimeouts, sim.TotalTelemetryEvents));

        // Both drained in parallel: more than one slot was used.
        Assert.True(simulated.Spans.Select(s => s.Slot).Distinct().Count() > 1);
        Assert.True(session.Results.Select(r => r.Slot).Distinct().Count() > 1);
    }

    /// <summary>
    /// Issue 16: a second drain in the <c>forecast</c> order, its history the first drain's session
    /// (the durable drain reads it from the blob container, with the ledger, through
    /// <c>DrainHistoryReader</c>; the simulator hands it over as its schedules do). The forecast
    /// reads durations, which are real on the durable side: the simulator's session gets the
    /// observed ones, so that both forecasts rest on the same numbers.
    /// </summary>
    [Fact]
    public async Task SimulatorAndDurableDrain_SecondDrainByForecast_SamePicks()
    {
        var first = Options;
        var second = Options with { Prioritize = "forecast" };
        var durable = await RunDurableAsync([first, second], Backlog, localHost: false);

        var environment = new SimulatedEnvironment(Model(Backlog));
        var simulatedFirst = SimulatedDrain.Run(first, environment);
        Assert.Equal(Describe(simulatedFirst.Results), Describe(durable[0].Session.Results));
        var observed = durable[0].Session.Results.ToDictionary(r => r.Key, r => r.SubprocessDurationSeconds);
        foreach (var result in simulatedFirst.Results)
        {
            result.SubprocessDurationSeconds = observed[result.Key];
        }

        environment.Clock.AdvanceTo(environment.Now + TimeSpan.FromHours(1));
        var firstSession = new DrainSession { SessionId = SessionIds.FromStart(simulatedFirst.StartedAt), Results = simulatedFirst.Results };
        environment.History = await YieldHistory.BuildAsync(YieldHistory.Attempts([firstSession]), environment.Store);
        var simulatedSecond = SimulatedDrain.Run(second, environment);

        var (output, session) = durable[1];
        Assert.Equal(simulatedSecond.Picks, session.Results.Select(r => r.Key));
        Assert.Equal(Describe(simulatedSecond.Results), Describe(session.Results));
        Assert.Equal(simulatedSecond.Stop.ToString(), output.Stop);
        Assert.Equal(simulatedSecond.State.StoppedRuns, session.State.StoppedRuns);

        // The order is the forecast's, not the seed's. The seed order starts with r-alpha's two
        // collection failures; the forecast puts phases whose history only failed behind those
        // with successes in their run (which of those comes first depends on the real durations).
        var seedOrder = new SimulatedEnvironment(Model(Backlog));
        SimulatedDrain.Run(first, seedOrder);
        seedOrder.Clock.AdvanceTo(environment.Now);
        var seedSecond = SimulatedDrain.Run(first, seedOrder);
        Assert.Equal(["r-alpha:fail-a1", "r-alpha:fail-a2"], seedSecond.Picks.Take(2));
        Assert.NotEqual(seedSecond.Picks, simulatedSecond.Picks);
        Assert.DoesNotContain(simulatedSecond.Picks[0], seedSecond.Picks.Take(2));
        Assert.Equal(11, environment.History.All.Attempts);
    }

    /// <summary>
    /// Issue 16: <c>--extend-on-progress</c> decides the same in both drains. A 4 s timeout, up to
    /// 12 s: a phase printing for 5-6 s then completing is extended once and succeeds, one printing
    /// forever is extended twice and cut at 12 s, a silent hang is cut at 4 s, quick phases are never
    /// looked at. The durable side runs real processes against real timers.
    /// </summary>
    [Fact]
    public async Task SimulatorAndDurableDrain_ExtendOnProgress_SameExtensionsAndResults()
    {
        Scripted[] backlog =
        [
            new("r-slow", "steady-s0", 0, null, Outcome.Steady, 1),
            new("r-slow", "ok-s1", 1, null, Outcome.Complete, 2),
            new("r-noisy", "noisy-n0", 0, null, Outcome.NoisyHang),
            new("r-silent", "hang-h0", 0, null, Outcome.Hang),
            new("r-quick", "ok-q0", 0, null, Outcome.Complete, 1),
        ];
        var options = Options with { PhaseTimeoutSeconds = 4, ExtendOnProgress = true, MaxPhaseTimeoutSeconds = 12, MaxFingerprintRepeats = 3 };

        var simulated = RunSimulator(options, backlog);
        var (output, session) = await RunDurableAsync(options, backlog, localHost: false);

        Assert.Equal(simulated.Picks, session.Results.Select(r => r.Key));
        Assert.Equal(Describe(simulated.Results), Describe(session.Results));
        Assert.Equal(simulated.Stop.ToString(), output.Stop);
        static string Extended(DrainResult r) => r.Key + " " + string.Join(",", r.Extensions?.Select(e => e.TimeoutSeconds) ?? []);
        string[] watched = ["r-slow:steady-s0", "r-noisy:noisy-n0", "r-silent:hang-h0"];
        var durableExtensions = session.Results.Where(r => watched.Contains(r.Key)).Select(Extended).ToList();
        Assert.Equal(simulated.Results.Where(r => watched.Contains(r.Key)).Select(Extended), durableExtensions);

        // By hand: what the two agree on.
        Assert.Equal(["r-noisy:noisy-n0 8,12", "r-silent:hang-h0 ", "r-slow:steady-s0 8"], durableExtensions);
        Assert.Equal("Phase execution timed out after 12 seconds", session.Results.Single(r => r.Key == "r-noisy:noisy-n0").ErrorMessage);
        Assert.Equal("Phase execution timed out after 4 seconds", session.Results.Single(r => r.Key == "r-silent:hang-h0").ErrorMessage);
        Assert.True(session.Results.Single(r => r.Key == "r-slow:steady-s0").Success);
        Assert.Equal(3, simulated.Lines.Count(l => l.StartsWith("    [EXTEND] progress seen", StringComparison.Ordinal)));
    }

    /// <summary>What the policy reads from a result (durations and paths left out).</summary>
    private static List<string> Describe(IEnumerable<DrainResult> results) =>
        [.. results.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Key} {r.FinalState} success={r.Success} timeout={r.IsTimeout} rc={r.SubprocessReturncode} telemetry={r.TelemetryEventsCollected} interrupted={r.InterruptedBy} fp={r.FailureFingerprint} error={r.ErrorMessage}"))];

    // ------------------------------------------------------------------ the simulator

    private static DrainRun RunSimulator(DrainOptions options, IReadOnlyList<Scripted> backlog) =>
        SimulatedDrain.Run(options, new SimulatedEnvironment(Model(backlog)));

    private static BacklogModel Model(IReadOnlyList<Scripted> backlog)
    {
        var phases = backlog.Select(p => new ModelPhase
        {
            RunId = p.Run,
            PhaseId = p.Phase,
            PhaseIndex = p.Index,
            Nature = PhaseNature.Observed,
            InitialFailureReason = p.InitialReason,
            Observations =
            [
                p.Outcome switch
                {
                    Outcome.Hang => new AttemptBehaviour(true, false, double.PositiveInfinity, 0, null),
                    Outcome.NoisyHang => new AttemptBehaviour(true, false, double.PositiveInfinity, 0, null) { OutputBytesPerSecond = 30 },
                    Outcome.Steady => new AttemptBehaviour(false, true, 5.5, p.Telemetry, null) { OutputBytesPerSecond = 30 },
                    Outcome.Complete => new AttemptBehaviour(false, true, 1, p.Telemetry, null),
                    _ => new AttemptBehaviour(false, false, 1, p.Telemetry, p.Message),
                },
            ],
        }).ToList();
        return new BacklogModel { Phases = phases, Source = "parity test" };
    }

    // ------------------------------------------------------------------ the real durable drain

    private static string AzuriteConnectionString =>
        Environment.GetEnvironmentVariable("DRAIN_TEST_AZURITE") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "DRAIN_TEST_AZURITE is not set: the parity test needs Azurite. Run: source scripts/services.sh && start_azurite && dotnet test ...");

    /// <param name="options">The drain's options.</param>
    /// <param name="backlog">The scripted phases.</param>
    /// <param name="localHost">
    /// The engine the CLI runs (Azure Storage over Azurite) instead of the in-process test engine,
    /// which runs one activity per core: too few for several slots and the calls that stop them.
    /// </param>
    private static async Task<(DrainSummaryOutput Output, DrainSession Session)> RunDurableAsync(DrainOptions options, IReadOnlyList<Scripted> backlog, bool localHost) =>
        (await RunDurableAsync([options], backlog, localHost))[0];

    /// <summary>Drains one after another over the same database and blob container (sessions and ledger): what a forecast's history is read from.</summary>
    private static async Task<List<(DrainSummaryOutput Output, DrainSession Session)>> RunDurableAsync(IReadOnlyList<DrainOptions> drains, IReadOnlyList<Scripted> backlog, bool localHost)
    {
        var connection = AzuriteConnectionString;
        var directory = Path.Combine(Path.GetTempPath(), "drain-parity-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var databasePath = Path.Combine(directory, "autopack.db");
        var databaseUrl = "sqlite:///" + databasePath;
        var url = DatabaseUrl.Parse(databaseUrl);
        var container = "parity-" + Guid.NewGuid().ToString("N")[..20];
        var blobs = new BlobServiceClient(connection);
        try
        {
            var admin = await BacklogAdmin.OpenAsync(url);
            await using (admin)
            {
                await admin.InitSchemaAsync();
            }

            await InsertBacklogAsync(databasePath, backlog);
            var script = Path.Combine(directory, "executor.sh");
            await File.WriteAllTextAsync(script, ScriptText(Path.Combine(AppContext.BaseDirectory, "DrainFunctions.DemoExecutor.dll"), backlog));

            void Configure(IServiceCollection services)
            {
                services.AddLogging();
                services.AddDrainServices(
                    new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(url, null, ct)),
                    snapshots =>
                    {
                        snapshots.ConnectionString = connection;
                        snapshots.ContainerName = container;
                        snapshots.Backlog = url.Backlog.Canonical;
                    },
                    executor =>
                    {
                        executor.Kind = "process";
                        executor.CommandTemplate = $"bash '{script}' {{run_id}} {{phase_id}}";
                        executor.Workspace = directory;
                        executor.DatabaseUrl = databaseUrl;
                        executor.StopPollInterval = TimeSpan.FromMilliseconds(250);
                        executor.SettleTimeout = TimeSpan.FromSeconds(2);
                        executor.SettlePoll = TimeSpan.FromMilliseconds(100);
                    });
            }

            await using IAsyncDisposable host = localHost
                ? await LocalDurableHost.StartAsync(
                    new LocalHostOptions { StorageConnectionString = connection, TaskHubName = "parity" + Guid.NewGuid().ToString("N")[..12], WorkerId = "parity-tests" },
                    registry => registry.AddDrainTasks(),
                    Configure)
                : await DurableTaskTestHost.StartAsync(registry => registry.AddDrainTasks(), new DurableTaskTestHostOptions { ConfigureServices = Configure });
            var client = host is LocalDurableHost local ? local.Client : ((DurableTaskTestHost)host).Client;

            var store = new BlobSessionStore(blobs, Microsoft.Extensions.Options.Options.Create(new SnapshotOptions { ContainerName = container }));
            var sessions = new List<(DrainSummaryOutput Output, DrainSession Session)>();
            foreach (var options in drains)
            {
                // Session ids are start seconds: the next drain starts in a later second.
                if (sessions.Count > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1.1));
                }

                var input = new DrainOrchestrationInput { Options = options, GraceSeconds = 1, PhasesPerGeneration = 4 };
                var id = await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input);
                using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
                var metadata = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
                Assert.True(metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
                    $"orchestration ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorType} {metadata.FailureDetails?.ErrorMessage}");
                var output = metadata.ReadOutputAs<DrainSummaryOutput>()!;
                var session = await store.LoadAsync(output.SessionId);
                Assert.NotNull(session);
                Assert.NotNull(session!.CompletedAt);
                sessions.Add((output, session));
            }

            return sessions;
        }
        finally
        {
            try
            {
                await blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
            }
            catch (Azure.RequestFailedException)
            {
                // best effort
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // a killed process may still hold a file for a moment
            }
        }
    }

    private static async Task InsertBacklogAsync(string databasePath, IReadOnlyList<Scripted> backlog)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        var now = new DateTime(2026, 1, 5, 0, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        foreach (var run in backlog.Select(p => p.Run).Distinct(StringComparer.Ordinal))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO runs (id, state, created_at, updated_at) VALUES (@id, 'RUN_CREATED', @t, @t)";
            command.Parameters.AddWithValue("@id", run);
            command.Parameters.AddWithValue("@t", now);
            await command.ExecuteNonQueryAsync();
        }

        foreach (var p in backlog)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO phases (phase_id, run_id, phase_index, name, state, last_failure_reason, created_at, updated_at) VALUES (@p, @r, @i, @p, 'FAILED', @reason, @t, @t)";
            command.Parameters.AddWithValue("@p", p.Phase);
            command.Parameters.AddWithValue("@r", p.Run);
            command.Parameters.AddWithValue("@i", p.Index);
            command.Parameters.AddWithValue("@reason", (object?)p.InitialReason ?? DBNull.Value);
            command.Parameters.AddWithValue("@t", now);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The executor: one case per phase; hangs sleep far past the phase timeout.</summary>
    private static string ScriptText(string demo, IReadOnlyList<Scripted> backlog)
    {
        var text = new StringBuilder();
        text.Append("#!/usr/bin/env bash\n");
        text.Append("case \"$1:$2\" in\n");
        foreach (var p in backlog)
        {
            var command = p.Outcome switch
            {
                Outcome.Hang => "exec sleep 600",
                Outcome.NoisyHang => "while true; do echo \"tick $(date +%s.%N)\"; sleep 0.3; done",
                Outcome.Steady => string.Create(CultureInfo.InvariantCulture,
                    $"for i in $(seq 1 15); do echo \"step $i\"; sleep 0.3; done; exec dotnet {Quote(demo)} --run-id \"$1\" --phase-id \"$2\" --outcome complete --telemetry {p.Telemetry} --time-scale 0"),
                Outcome.Complete => string.Create(CultureInfo.InvariantCulture,
                    $"exec dotnet {Quote(demo)} --run-id \"$1\" --phase-id \"$2\" --outcome complete --telemetry {p.Telemetry} --time-scale 0"),
                _ => string.Create(CultureInfo.InvariantCulture,
                    $"exec dotnet {Quote(demo)} --run-id \"$1\" --phase-id \"$2\" --outcome fail --reason {Quote(p.Message!)} --telemetry {p.Telemetry} --time-scale 0"),
            };
            text.Append(CultureInfo.InvariantCulture, $"  {Quote(p.Key)}) {command} ;;\n");
        }

        text.Append("  *) echo \"unscripted phase $1:$2\" >&2; exit 3 ;;\n");
        text.Append("esac\n");
        return text.ToString();
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
