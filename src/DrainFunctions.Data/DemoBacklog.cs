using System.Globalization;
using DrainFunctions.Core.Ports;
using DrainFunctions.Core.Selection;

namespace DrainFunctions.Data;

/// <summary>
/// A realistic, deterministic demo backlog (<c>db seed-demo</c>) and the writes the demo executor
/// makes in place of Autopack's own.
/// </summary>
public static class DemoBacklog
{
    /// <summary>The failure reasons of the demo, covering every category (and null and empty).</summary>
    public static readonly IReadOnlyList<string?> Reasons =
    [
        null,
        "CI collection/import error",
        "ImportError: cannot import name 'TokenBudget' from 'autopack.budget' (/app/src/autopack/budget.py)",
        "Missing deliverable: docs/guide.md",
        "Deliverables validation failed: 2 expected files not created",
        "patch apply failed: no-op patch",
        "Patch rejected: manifest mismatch for src/research/pipeline.py",
        "Builder timed out after 900s",
        "CI run timeout after 1800s",
        "TOKEN_ESCALATION: budget exceeded",
        "AssertionError: expected 3 tests to pass, got 1",
        "Auditor rejected: quality gate failed at 2025-12-28 16:22:03",
        string.Empty,
        "KeyError: 'research_sources' in src/research/config.py line 88",
    ];

    private static readonly (string Id, int Phases, string? InFlight)[] Runs =
    [
        ("build130-schema-validation", 9, null),
        ("research-system-v4", 10, null),
        ("research-system-v6", 9, PhaseStates.Queued),
        ("autopack-telemetry-v2", 9, PhaseStates.Executing),
        ("docs-refresh-v1", 8, null),
        ("infra-upgrade-v3", 9, null),
    ];

    private static readonly string[] PhaseSlugs =
    [
        "scaffold", "schema-models", "import-fixes", "api-endpoints", "telemetry-hooks", "docs-guide",
        "ci-pipeline", "integration-tests", "cleanup", "release-notes",
    ];

    private static readonly DateTime BaseTime = new(2025, 12, 28, 9, 0, 0, DateTimeKind.Utc);

    public static async Task<BacklogSummary> SeedAsync(DatabaseUrl url, CancellationToken cancellationToken = default)
    {
        var admin = await BacklogAdmin.OpenAsync(url, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (admin.ConfigureAwait(false))
        {
            return await SeedAsync(admin, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sets a phase COMPLETE, or FAILED with <paramref name="failureReason"/>; false when there is no such phase.</summary>
    public static async Task<bool> CompletePhaseAsync(DatabaseUrl url, string runId, string phaseId, bool succeeded, string? failureReason, CancellationToken cancellationToken = default)
    {
        var admin = await BacklogAdmin.OpenAsync(url, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (admin.ConfigureAwait(false))
        {
            var db = admin.Database;
            var sql = succeeded
                ? $"UPDATE phases SET state = 'COMPLETE', completed_at = {db.Now}, updated_at = {db.Now} WHERE run_id = @run AND phase_id = @phase"
                : $"UPDATE phases SET state = 'FAILED', last_failure_reason = @reason, last_attempt_timestamp = {db.Now}, retry_attempt = retry_attempt + 1, updated_at = {db.Now} WHERE run_id = @run AND phase_id = @phase";
            return await db.RunAsync(
                "recording a phase result",
                async (c, ct) => await SqlDatabase.ExecuteAsync(c, sql, ct, ("run", runId), ("phase", phaseId), ("reason", failureReason)).ConfigureAwait(false) == 1,
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Adds <paramref name="count"/> rows to <c>token_estimation_v2_events</c> for the phase.</summary>
    public static async Task AddTelemetryAsync(DatabaseUrl url, string runId, string phaseId, int count, CancellationToken cancellationToken = default)
    {
        var admin = await BacklogAdmin.OpenAsync(url, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (admin.ConfigureAwait(false))
        {
            var db = admin.Database;
            await db.RunAsync(
                "adding telemetry",
                async (c, ct) =>
                {
                    var transaction = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        for (var i = 0; i < count; i++)
                        {
                            await BacklogSchema.ExecuteInTransactionAsync(
                                c, transaction,
                                $"INSERT INTO {SqlDatabase.TelemetryEstimation} (run_id, phase_id, category, complexity, deliverable_count, predicted_output_tokens, actual_output_tokens, success, created_at) VALUES (@run, @phase, 'implementation', 'medium', 1, 4000, 3500, TRUE, {db.Now})",
                                ct, ("run", runId), ("phase", phaseId)).ConfigureAwait(false);
                        }

                        await transaction.CommitAsync(ct).ConfigureAwait(false);
                    }

                    return 0;
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task<BacklogSummary> SeedAsync(BacklogAdmin admin, CancellationToken cancellationToken)
    {
        var db = admin.Database;
        if (!await admin.HasSchemaAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new BacklogSchemaException($"Database {db.Url.Masked} has no Autopack schema; run `drain db init` first");
        }

        var before = await admin.DescribeAsync(cancellationToken).ConfigureAwait(false);
        if (!before.IsEmpty)
        {
            throw new BacklogSchemaException($"Database {db.Url.Masked} is not empty ({before.Runs} runs, {before.Phases} phases); `db seed-demo` only fills an empty database and changed nothing");
        }

        await db.RunAsync(
            "seeding the demo backlog",
            async (c, ct) =>
            {
                var transaction = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    Task Exec(string sql, params (string, object?)[] p) => BacklogSchema.ExecuteInTransactionAsync(c, transaction, sql, ct, p);
                    var reasonCursor = 0;
                    var tierKey = 0;
                    for (var r = 0; r < Runs.Length; r++)
                    {
                        var (runId, phaseCount, inFlight) = Runs[r];
                        var created = BaseTime.AddHours(r);
                        var runState = inFlight is null ? "DONE_FAILED_REQUIRES_HUMAN_REVIEW" : "PHASE_EXECUTION";
                        await Exec(
                            "INSERT INTO runs (id, state, safety_profile, run_scope, token_cap, tokens_used, created_at, updated_at, started_at) VALUES (@id, @state, 'normal', 'multi_tier', 5000000, 0, @t, @t, @t)",
                            ("id", runId), ("state", runState), ("t", db.Timestamp(created))).ConfigureAwait(false);
                        var tierIds = new List<int>();
                        for (var t = 0; t < 2; t++)
                        {
                            tierKey++;
                            tierIds.Add(tierKey);
                            await Exec(
                                "INSERT INTO tiers (id, tier_id, run_id, tier_index, name, state, created_at, updated_at) VALUES (@id, @tier, @run, @index, @name, 'IN_PROGRESS', @t, @t)",
                                ("id", tierKey), ("tier", $"T{t + 1}"), ("run", runId), ("index", t), ("name", t == 0 ? "Foundation" : "Delivery"), ("t", db.Timestamp(created))).ConfigureAwait(false);
                        }

                        for (var i = 0; i < phaseCount; i++)
                        {
                            // Shared slugs give duplicate phase_ids across runs, as Autopack has.
                            var phaseId = $"p{(i + 1).ToString("00", CultureInfo.InvariantCulture)}-{PhaseSlugs[i % PhaseSlugs.Length]}";
                            string state;
                            string? reason = null;
                            if (i < 2 && r % 2 == 0)
                            {
                                state = PhaseStates.Complete;
                            }
                            else if (inFlight is not null && i == phaseCount - 2)
                            {
                                state = inFlight;
                            }
                            else if (r == 4 && i == phaseCount - 1)
                            {
                                state = PhaseStates.Skipped;
                            }
                            else
                            {
                                state = PhaseStates.Failed;
                                reason = Reasons[(reasonCursor * 5 + r) % Reasons.Count];
                                reasonCursor++;
                            }

                            var at = created.AddMinutes(10 * (i + 1));
                            var finished = state is PhaseStates.Complete or PhaseStates.Failed;
                            await Exec(
                                $"""
                                INSERT INTO phases (phase_id, run_id, tier_id, phase_index, name, state, task_category, complexity, builder_mode,
                                                    retry_attempt, last_attempt_timestamp, last_failure_reason, created_at, updated_at, started_at, completed_at)
                                VALUES (@phase, @run, @tier, @index, @name, {SqlDatabase.Literal(state)}, 'implementation', @complexity, 'default',
                                        @retry, @at, @reason, @created, @at, @at, @completed)
                                """,
                                ("phase", phaseId), ("run", runId), ("tier", tierIds[i < phaseCount / 2 ? 0 : 1]), ("index", i), ("name", $"{PhaseSlugs[i % PhaseSlugs.Length].Replace('-', ' ')} ({runId})"),
                                ("complexity", (i % 3) switch { 0 => "low", 1 => "medium", _ => "high" }), ("retry", state == PhaseStates.Failed ? 1 + (i % 3) : 0),
                                ("at", db.Timestamp(at)), ("reason", reason), ("created", db.Timestamp(created)), ("completed", finished ? db.Timestamp(at.AddMinutes(7)) : null)).ConfigureAwait(false);

                            if (state == PhaseStates.Complete)
                            {
                                for (var e = 0; e < 1 + ((i + r) % 3); e++)
                                {
                                    await Exec(
                                        $"INSERT INTO {SqlDatabase.TelemetryEstimation} (run_id, phase_id, category, complexity, deliverable_count, predicted_output_tokens, actual_output_tokens, success, created_at) VALUES (@run, @phase, 'implementation', 'medium', @d, @p, @a, TRUE, @t)",
                                        ("run", runId), ("phase", phaseId), ("d", 1 + e), ("p", 4000 + (500 * e)), ("a", 3600 + (700 * e)), ("t", db.Timestamp(at.AddMinutes(3 + e)))).ConfigureAwait(false);
                                }
                            }

                            if (reason?.Contains("TOKEN_ESCALATION", StringComparison.Ordinal) == true)
                            {
                                await Exec(
                                    $"INSERT INTO {SqlDatabase.TelemetryEscalation} (run_id, phase_id, attempt_index, reason, base_budget, retry_budget, created_at) VALUES (@run, @phase, 1, 'truncation', 8192, 16384, @t)",
                                    ("run", runId), ("phase", phaseId), ("t", db.Timestamp(at.AddMinutes(5)))).ConfigureAwait(false);
                            }
                        }
                    }

                    if (db.Kind == DatabaseKind.PostgreSql)
                    {
                        // The tiers were given explicit ids: move the identity past them.
                        await Exec("SELECT setval(pg_get_serial_sequence('tiers', 'id'), (SELECT max(id) FROM tiers))").ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                }

                return 0;
            },
            cancellationToken).ConfigureAwait(false);

        return await admin.DescribeAsync(cancellationToken).ConfigureAwait(false);
    }
}
