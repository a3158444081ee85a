using System.Globalization;
using System.Text.Json;
using Azure;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Reporting;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using DrainFunctions.Durable.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The HTTP API as plain methods: parsed route values and raw bodies in, <see cref="ApiResult"/>
/// out. No Functions or ASP.NET types, so the Function App, an ASP.NET Core app and tests call
/// the same code. <paramref name="defaults"/> are the drain options from settings; a body overrides them.
/// </summary>
public sealed class DrainApi(DurableTaskClient client, BlobSessionStore sessions, BlobLedgerStore ledger, DrainLockStore locks, DrainOptions defaults, TimeProvider? clock = null)
{
    private readonly DrainInstances instances = new(client);
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly DrainLauncher launcher = new(client, sessions, locks, clock);

    /// <summary>How long <c>POST /api/drains/preview</c> waits for the dry run before answering 202.</summary>
    public TimeSpan PreviewWait { get; init; } = TimeSpan.FromSeconds(60);

    public int RecentSessions { get; init; } = 20;

    // ------------------------------------------------------------------ POST /api/drains

    public async Task<ApiResult> StartAsync(string? body, CancellationToken cancellationToken = default)
    {
        var parsed = DrainRequestParser.Parse(body, defaults);
        if (parsed.Options is not { } options)
        {
            return parsed.BadRequest();
        }

        if (options.DryRun)
        {
            return await StartPreviewAsync(options, wait: false, cancellationToken);
        }

        if (await instances.FindRunningAsync(cancellationToken) is { } running)
        {
            return Conflict(running.Instance, running.SessionId);
        }

        // The instance id is the session id; the launcher takes the database's lock and claims the id.
        var launch = await launcher.StartAsync(options, cancellationToken: cancellationToken);
        return launch is { Started: true, SessionId: { } sessionId, InstanceId: { } instanceId } ? Accepted(sessionId, instanceId) : Busy(launch);
    }

    // ------------------------------------------------------------------ POST /api/drains/preview

    public async Task<ApiResult> PreviewAsync(string? body, CancellationToken cancellationToken = default)
    {
        var parsed = DrainRequestParser.Parse(body, defaults);
        return parsed.Options is not { } options
            ? parsed.BadRequest()
            : await StartPreviewAsync(options with { DryRun = true }, wait: true, cancellationToken);
    }

    private async Task<ApiResult> StartPreviewAsync(DrainOptions options, bool wait, CancellationToken cancellationToken)
    {
        var instanceId = DrainInstances.PreviewPrefix + Guid.NewGuid().ToString("N");
        var input = new DrainOrchestrationInput { Options = options with { DryRun = true } };
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(DrainOrchestrator), input, new StartOrchestrationOptions(instanceId), cancellationToken);
        if (!wait)
        {
            return Accepted(instanceId, instanceId);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PreviewWait);
        try
        {
            var done = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
            if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                return ApiResult.Problem(500, "Preview failed", done.FailureDetails?.ErrorMessage ?? done.RuntimeStatus.ToString());
            }

            var output = done.ReadOutputAs<DrainSummaryOutput>()!;
            return ApiResult.Ok(new
            {
                instanceId,
                picks = output.DryRunPicks,
                stop = output.Stop,
                lines = DrainInstances.SafeStatus(done)?.Lines.Select(l => l.Text).ToList() ?? [],
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Accepted(instanceId, instanceId);
        }
    }

    // ------------------------------------------------------------------ POST /api/drains/resume

    public async Task<ApiResult> ResumeAsync(string? body, CancellationToken cancellationToken = default)
    {
        var parsed = DrainRequestParser.Parse(body, defaults, "sessionId");
        var options = parsed.Options;
        string? named = null;
        if (parsed.Extra.TryGetValue("sessionId", out var idElement))
        {
            named = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            if (!SessionIds.IsValid(named))
            {
                parsed.Errors["sessionId"] = [$"must be a session id like {SessionIds.ExpectedForm}"];
                parsed = parsed with { InvalidFields = parsed.InvalidFields + 1 };
                options = null;
            }
        }

        if (options is null)
        {
            return parsed.BadRequest();
        }

        if (await instances.FindRunningAsync(cancellationToken) is { } running)
        {
            return Conflict(running.Instance, running.SessionId);
        }

        DrainSession? session;
        if (named is not null)
        {
            session = await sessions.LoadAsync(named, cancellationToken);
            if (session is null)
            {
                return ApiResult.NotFound($"session {named} not found");
            }

            if (session.IsComplete)
            {
                return ApiResult.Problem(409, "Conflict", $"session {named} is already complete ({session.CompletedAt})", extra: new { sessionId = named });
            }
        }
        else
        {
            session = null;
            foreach (var id in await ListSessionIdsAsync(cancellationToken))
            {
                var candidate = await sessions.LoadAsync(id, cancellationToken);
                if (candidate is { IsComplete: false })
                {
                    session = candidate;
                    break;
                }
            }

            if (session is null)
            {
                return ApiResult.NotFound("no incomplete session to resume");
            }
        }

        var instanceId = $"{session.SessionId}-resume-{time.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}";
        var resumed = options with { BatchSize = parsed.Given.Contains(DrainOptionCatalog.BatchSize) ? options.BatchSize : session.BatchSize };
        var launch = await launcher.ResumeAsync(session, resumed, instanceId, cancellationToken);
        return launch.Started ? Accepted(session.SessionId, instanceId) : Busy(launch);
    }

    // ------------------------------------------------------------------ GET /api/drains

    public async Task<ApiResult> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<object>();
        foreach (var id in (await ListSessionIdsAsync(cancellationToken)).Take(RecentSessions))
        {
            var session = await LoadOrNullAsync(id, cancellationToken);
            var instance = await instances.FindAsync(id, cancellationToken);
            list.Add(new
            {
                sessionId = id,
                instanceId = instance?.InstanceId,
                status = StatusOf(session, instance),
                startedAt = session?.StartedAt,
                completedAt = session?.CompletedAt,
                totals = session is null ? null : Totals(session.State),
            });
        }

        return ApiResult.Ok(new { sessions = list });
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}

    public async Task<ApiResult> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        var json = await sessions.ReadTextAsync(BlobSessionStore.SessionBlobName(sessionId), cancellationToken);
        var instance = await instances.FindAsync(sessionId, cancellationToken);
        if (json is null && instance is null)
        {
            return ApiResult.NotFound($"session {sessionId} not found");
        }

        var session = json is null ? null : SessionJson.Parse(json, BlobSessionStore.SessionBlobName(sessionId));
        var progress = instance is null ? null : DrainInstances.SafeStatus(instance);
        JsonElement? document = json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
        return ApiResult.Ok(new
        {
            sessionId,
            instanceId = instance?.InstanceId,
            status = StatusOf(session, instance),
            progress,
            totals = session is not null ? Totals(session.State) : progress is null ? null : new Dictionary<string, long>
            {
                ["processed"] = progress.Processed, ["success"] = progress.Success, ["failed"] = progress.Failed,
                ["timeouts"] = progress.Timeouts, ["telemetryEvents"] = progress.TelemetryEvents,
            },
            failure = instance?.FailureDetails?.ErrorMessage,
            session = document,
        });
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}/summary

    public async Task<ApiResult> SummaryAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        if (await sessions.ReadTextAsync(BlobSessionStore.SummaryBlobName(sessionId), cancellationToken) is { } summary)
        {
            return ApiResult.PlainText(summary);
        }

        // Not finished yet: the report of what is saved so far.
        var session = await LoadOrNullAsync(sessionId, cancellationToken);
        return session is null
            ? ApiResult.NotFound($"session {sessionId} not found")
            : ApiResult.PlainText(SummaryReport.Render(session, $"{sessions.Container.Name}/{BlobSessionStore.SessionBlobName(sessionId)}"));
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}/logs/{runId}/{phaseId}

    public async Task<ApiResult> LogsAsync(string sessionId, string runId, string phaseId, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddIdErrors(errors, "sessionId", sessionId, session: true);
        AddIdErrors(errors, "runId", runId, session: false);
        AddIdErrors(errors, "phaseId", phaseId, session: false);
        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("invalid route", errors);
        }

        var stdout = await sessions.ReadTextAsync(BlobSessionStore.LogBlobName(sessionId, runId, phaseId, "stdout"), cancellationToken);
        var stderr = await sessions.ReadTextAsync(BlobSessionStore.LogBlobName(sessionId, runId, phaseId, "stderr"), cancellationToken);
        return stdout is null && stderr is null
            ? ApiResult.NotFound($"logs of {runId}/{phaseId} in session {sessionId} not found")
            : ApiResult.Ok(new { sessionId, runId, phaseId, stdout = stdout ?? string.Empty, stderr = stderr ?? string.Empty });
    }

    // ------------------------------------------------------------------ POST /api/drains/{sessionId}/cancel?mode=

    public async Task<ApiResult> CancelAsync(string sessionId, string? mode, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        mode = string.IsNullOrEmpty(mode) ? CancelRequest.Graceful : mode.ToLowerInvariant();
        if (mode is not (CancelRequest.Graceful or CancelRequest.Now))
        {
            return ApiResult.BadRequest("invalid query", new Dictionary<string, string[]> { ["mode"] = [$"must be graceful or now (got '{(mode.Length <= 40 ? mode : mode[..40] + "...")}')"] });
        }

        var instance = await instances.FindAsync(sessionId, cancellationToken);
        if (instance is null)
        {
            return ApiResult.NotFound($"session {sessionId} not found");
        }

        if (!DrainInstances.IsLive(instance.RuntimeStatus))
        {
            return ApiResult.Problem(409, "Conflict", $"session {sessionId} is not running ({instance.RuntimeStatus})", extra: new { sessionId, status = instance.RuntimeStatus.ToString() });
        }

        await client.RaiseEventAsync(instance.InstanceId, CancelRequest.EventName, new CancelRequest(mode), cancellationToken);
        return ApiResult.Ok(new { sessionId, instanceId = instance.InstanceId, mode, statusUrl = StatusUrl(sessionId) }, 202);
    }

    // ------------------------------------------------------------------ ledger

    public async Task<ApiResult> LedgerAsync(CancellationToken cancellationToken = default) =>
        ApiResult.Ok(await ledger.ShowAsync(defaults.LedgerWindowHours, defaults.MaxFingerprintRepeats, cancellationToken));

    public async Task<ApiResult> ForgetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddIdErrors(errors, "runId", runId, session: false);
        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("invalid route", errors);
        }

        var removed = await ledger.ForgetRunAsync(runId, cancellationToken);
        return removed == 0 ? ApiResult.NotFound($"the ledger has nothing about run {runId}") : ApiResult.Ok(new { runId, removed });
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// Ids in routes are checked before storage is asked: a session id has its one form, run and
    /// phase ids are 1 to <see cref="DrainOptions.MaxIdLength"/> characters. The id is not echoed
    /// (it may be anything, of any size).
    /// </summary>
    private static void AddIdErrors(Dictionary<string, string[]> errors, string field, string? value, bool session)
    {
        if (session && !SessionIds.IsValid(value))
        {
            errors[field] = [$"must be a session id like {SessionIds.ExpectedForm}"];
        }
        else if (!session && (string.IsNullOrWhiteSpace(value) || value.Length > DrainOptions.MaxIdLength))
        {
            errors[field] = [string.Create(CultureInfo.InvariantCulture, $"must be an id of 1 to {DrainOptions.MaxIdLength} characters, not blank (got {value?.Length ?? 0} characters)")];
        }
    }

    private static ApiResult? BadSessionId(string? sessionId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddIdErrors(errors, "sessionId", sessionId, session: true);
        return errors.Count == 0 ? null : ApiResult.BadRequest("invalid route", errors);
    }

    public static string StatusUrl(string sessionId) => $"/api/drains/{sessionId}";

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);

    private static ApiResult Accepted(string sessionId, string instanceId)
    {
        var status = StatusUrl(sessionId);
        var body = new
        {
            sessionId,
            instanceId,
            statusUrl = status,
            summaryUrl = status + "/summary",
            cancelUrl = status + "/cancel?mode=graceful",
        };
        return ApiResult.Ok(body, 202) with { Headers = new Dictionary<string, string> { ["Location"] = status } };
    }

    /// <summary>409: another drain (in another process, task hub or machine) holds this database's lock.</summary>
    private static ApiResult Busy(DrainLaunch launch) =>
        ApiResult.Problem(409, "Conflict", $"a drain is already running on this database: {launch.Busy}",
            extra: new { sessionId = launch.SessionId, instanceId = launch.InstanceId, statusUrl = launch.SessionId is null ? null : StatusUrl(launch.SessionId), lockExpiresAt = launch.BusyWith?.ExpiresAt });

    private static ApiResult Conflict(OrchestrationMetadata instance, string? sessionId) =>
        ApiResult.Problem(409, "Conflict", $"a drain is already running on this database: session {sessionId ?? "(starting)"}",
            extra: new { sessionId, instanceId = instance.InstanceId, statusUrl = sessionId is null ? null : StatusUrl(sessionId) });

    private static Dictionary<string, long> Totals(PolicyState s) => new Dictionary<string, long>
    {
        ["processed"] = s.TotalProcessed, ["success"] = s.TotalSuccess, ["failed"] = s.TotalFailed,
        ["timeouts"] = s.TotalTimeouts, ["telemetryEvents"] = s.TotalTelemetryEvents,
    };

    private static string StatusOf(DrainSession? session, OrchestrationMetadata? instance)
    {
        if (instance is not null && (DrainInstances.IsLive(instance.RuntimeStatus) || session?.IsComplete != true))
        {
            return instance.RuntimeStatus.ToString();
        }

        return session?.IsComplete == true ? "Completed" : "Incomplete";
    }

    private async Task<DrainSession?> LoadOrNullAsync(string sessionId, CancellationToken cancellationToken)
    {
        try
        {
            return await sessions.LoadAsync(sessionId, cancellationToken);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>This database's session ids with a session blob, newest first (the ids sort by start time).</summary>
    private async Task<List<string>> ListSessionIdsAsync(CancellationToken cancellationToken) =>
        [.. (await sessions.ListSessionsAsync(cancellationToken: cancellationToken)).Select(s => s.SessionId)];

}
