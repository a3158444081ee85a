using System.Globalization;
using System.Text.Json;
using DrainFunctions.Core.Options;
using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Ledger;
using DrainFunctions.Durable.Orchestration;
using Microsoft.DurableTask.Client;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The HTTP API as plain methods: parsed route values and raw bodies in, <see cref="ApiResult"/>
/// out. No Functions or ASP.NET types, so the Function App, an ASP.NET Core app and tests call
/// the same code. The decisions are <see cref="DrainService"/>'s; this class turns requests into its
/// calls and its answers into statuses and bodies. <paramref name="defaults"/> are the drain options
/// from settings; a body overrides them.
/// </summary>
public sealed class DrainApi(DrainService drains, BlobLedgerStore ledger, DrainOptions defaults)
{
    /// <summary>
    /// How long <c>POST /api/drains/preview</c> used to wait for its preview orchestration. Previews
    /// are now computed in-process and answered when done; kept so that existing hosts still build.
    /// </summary>
    public TimeSpan PreviewWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The default of <c>GET /api/drains?top=</c>.</summary>
    public int RecentSessions { get; init; } = 20;

    /// <summary>The largest <c>top</c> of <c>GET /api/drains</c>.</summary>
    public const int MaxTop = 100;

    /// <summary>
    /// <c>Retry-After</c> of a 202 status answer, in seconds: the Durable Functions default, which
    /// pollers (Logic Apps, APIM) honour. A phase takes minutes; the progress lines are kept.
    /// </summary>
    public const int RetryAfterSeconds = 10;

    /// <summary>Where the caller reached the API: Locations and <c>statusQueryGetUri</c> are absolute under it (relative without it).</summary>
    public ApiBase? Base { get; init; }

    /// <summary>This API as reached at <paramref name="origin"/> (one per request: the host name is the caller's).</summary>
    public DrainApi At(ApiBase origin) => new(drains, ledger, defaults) { PreviewWait = PreviewWait, RecentSessions = RecentSessions, Base = origin };

    // ------------------------------------------------------------------ POST /api/drains

    public async Task<ApiResult> StartAsync(string? body, CancellationToken cancellationToken = default)
    {
        var parsed = DrainRequestParser.Parse(body, defaults);
        if (parsed.Options is not { } options)
        {
            return parsed.BadRequest();
        }

        // The instance id is the session id (a preview's: preview-<guid>); the service takes the database's lock and claims the id.
        await drains.PurgeEndedAsync(cancellationToken);
        return Answer(await drains.StartAsync(options, cancellationToken: cancellationToken));
    }

    // ------------------------------------------------------------------ POST /api/drains/preview

    public async Task<ApiResult> PreviewAsync(string? body, CancellationToken cancellationToken = default)
    {
        var parsed = DrainRequestParser.Parse(body, defaults);
        if (parsed.Options is not { } options)
        {
            return parsed.BadRequest();
        }

        var preview = await drains.PreviewAsync(options, cancellationToken: cancellationToken);

        // Kept, so that its Location answers (200, the same picks and lines) as a drain's does.
        await drains.KeepPreviewAsync(preview, cancellationToken);
        var status = StatusUrl(preview.PreviewId);
        return ApiResult.Ok(new
        {
            instanceId = preview.PreviewId,
            picks = preview.Outcome.Picks,
            stop = preview.Outcome.Stop,
            lines = preview.RecentLines,
            id = preview.PreviewId,
            statusUrl = status,
            statusQueryGetUri = Absolute(status),
        }) with { Headers = new Dictionary<string, string> { ["Location"] = Absolute(status) } };
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

        await drains.PurgeEndedAsync(cancellationToken);
        var choice = await drains.ChooseResumeAsync(named, cancellationToken);
        if (choice is not { Started: true, Session: { } session })
        {
            return Answer(choice);
        }

        var resumed = options with { BatchSize = parsed.Given.Contains(DrainOptionCatalog.BatchSize) ? options.BatchSize : session.BatchSize };
        return Answer(await drains.ResumeAsync(session, resumed, cancellationToken));
    }

    // ------------------------------------------------------------------ GET /api/drains

    public Task<ApiResult> ListAsync(CancellationToken cancellationToken = default) => ListAsync(null, null, null, cancellationToken);

    /// <summary>
    /// One page of sessions, newest first: at most <paramref name="top"/> (1 to <see cref="MaxTop"/>,
    /// default <see cref="RecentSessions"/>), only those whose <c>status</c> is one of
    /// <paramref name="status"/> (comma-separated, any case), after the session that
    /// <paramref name="continuationToken"/> names. When more sessions remain unread the answer has
    /// <c>continuationToken</c>, <c>nextLink</c> and a <c>Link: &lt;...&gt;; rel="next"</c> header.
    /// </summary>
    public async Task<ApiResult> ListAsync(string? top, string? status, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DrainListQuery.Parse(top, status, continuationToken, RecentSessions, MaxTop);
        if (query.Errors.Count > 0)
        {
            return ApiResult.BadRequest("invalid query", query.Errors);
        }

        var page = await drains.ListPageAsync(query.Top, query.Matches, query.After, cancellationToken);
        var list = page.Drains.Select(d => new
        {
            sessionId = d.SessionId,
            instanceId = d.InstanceId,
            status = d.Status,
            startedAt = d.Session?.StartedAt,
            completedAt = d.Session?.CompletedAt,
            totals = d.Session is null ? null : d.Totals?.ToDictionary(),
            batchSize = d.Session?.BatchSize ?? d.Progress?.BatchSize,
        }).ToList();
        if (page.LastRead is not { } last)
        {
            return ApiResult.Ok(new { sessions = list });
        }

        var token = DrainListQuery.TokenAfter(last);
        var next = Absolute(query.NextPath(token));
        return ApiResult.Ok(new { sessions = list, continuationToken = token, nextLink = next })
            with { Headers = new Dictionary<string, string> { ["Link"] = $"<{next}>; rel=\"next\"" } };
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}

    /// <summary>
    /// A drain's status: 202 with <c>Location</c> (itself) and <c>Retry-After</c> while it is live
    /// (Pending, Running, Suspended), 200 once it has ended, as a Durable Functions status query
    /// answers; the body is the same. A preview id (<c>preview-...</c>) answers its picks and lines.
    /// </summary>
    public async Task<ApiResult> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (DrainInstances.IsPreviewId(sessionId))
        {
            return await PreviewStatusAsync(sessionId, cancellationToken);
        }

        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        if (await drains.StatusAsync(sessionId, cancellationToken) is not { } drain)
        {
            return ApiResult.NotFound($"session {sessionId} not found");
        }

        JsonElement? document = drain.SessionJson is null ? null : JsonDocument.Parse(drain.SessionJson).RootElement.Clone();
        var live = drain.RuntimeStatus is { } runtime && DrainRules.IsLive(runtime);
        var answer = ApiResult.Ok(new
        {
            sessionId,
            instanceId = drain.InstanceId,
            status = drain.Status,
            progress = drain.Progress,
            totals = drain.Totals?.ToDictionary(),
            failure = drain.Failure,
            session = document,
        }, live ? 202 : 200);
        return live ? Polled(answer, sessionId) : answer;
    }

    private async Task<ApiResult> PreviewStatusAsync(string previewId, CancellationToken cancellationToken)
    {
        if (await drains.PreviewStatusAsync(previewId, cancellationToken) is not { } instance)
        {
            return ApiResult.NotFound($"preview {previewId} not found");
        }

        var progress = DrainInstances.SafeStatus(instance);
        var output = DrainInstances.SafeOutput(instance);
        var live = DrainRules.IsLive(instance.RuntimeStatus);
        var answer = ApiResult.Ok(new
        {
            instanceId = previewId,
            id = previewId,
            status = instance.RuntimeStatus.ToString(),
            dryRun = true,
            progress,
            picks = output?.DryRunPicks,
            stop = output?.Stop ?? progress?.Stop,
            lines = progress?.Lines.Select(l => l.Text).ToList(),
            failure = instance.FailureDetails?.ErrorMessage,
        }, live ? 202 : 200);
        return live ? Polled(answer, previewId) : answer;
    }

    /// <summary>A 202 status answer: where to ask again, and when.</summary>
    private ApiResult Polled(ApiResult answer, string id) => answer with
    {
        Headers = new Dictionary<string, string>
        {
            ["Location"] = Absolute(StatusUrl(id)),
            ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture),
        },
    };

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}/summary

    public async Task<ApiResult> SummaryAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        return await drains.SummaryAsync(sessionId, cancellationToken) is { } summary
            ? ApiResult.PlainText(summary)
            : ApiResult.NotFound($"session {sessionId} not found");
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}/logs/{runId}/{phaseId}

    public async Task<ApiResult> LogsAsync(string sessionId, string runId, string phaseId, CancellationToken cancellationToken = default)
    {
        if (BadLogRoute(sessionId, runId, phaseId) is { } bad)
        {
            return bad;
        }

        var log = await drains.ReadLogAsync(sessionId, runId, phaseId, whole: true, cancellationToken: cancellationToken);
        return log is not { Stored: true }
            ? ApiResult.NotFound($"logs of {runId}/{phaseId} in session {sessionId} not found")
            : ApiResult.Ok(new { sessionId, runId, phaseId, stdout = log.Stdout, stderr = log.Stderr });
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}/logs/{runId}/{phaseId}/follow

    /// <summary>
    /// One step of following a phase's log: the text after byte offsets <paramref name="stdoutFrom"/>
    /// and <paramref name="stderrFrom"/> (query values, default 0), the offsets to ask for next, and
    /// whether the phase still runs. 404 when there is no log and the phase is not running.
    /// </summary>
    public async Task<ApiResult> FollowLogsAsync(string sessionId, string runId, string phaseId, string? stdoutFrom, string? stderrFrom, CancellationToken cancellationToken = default)
    {
        if (BadLogRoute(sessionId, runId, phaseId) is { } bad)
        {
            return bad;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var stdoutOffset = Offset(errors, "stdoutFrom", stdoutFrom);
        var stderrOffset = Offset(errors, "stderrFrom", stderrFrom);
        if (errors.Count > 0)
        {
            return ApiResult.BadRequest("invalid query", errors);
        }

        var log = await drains.ReadLogAsync(sessionId, runId, phaseId, stdoutOffset, stderrOffset, cancellationToken: cancellationToken);
        return log is null
            ? ApiResult.NotFound($"logs of {runId}/{phaseId} in session {sessionId} not found")
            : ApiResult.Ok(new { sessionId, runId, phaseId, stdout = log.Stdout, stderr = log.Stderr, stdoutNext = log.StdoutNext, stderrNext = log.StderrNext, running = log.Running });
    }

    // ------------------------------------------------------------------ POST /api/drains/{sessionId}/cancel?mode=

    public async Task<ApiResult> CancelAsync(string sessionId, string? mode, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        mode = string.IsNullOrEmpty(mode) ? CancelRequest.Graceful : mode.ToLowerInvariant();
        if (mode is not (CancelRequest.Graceful or CancelRequest.Now or ForceMode))
        {
            return ApiResult.BadRequest("invalid query", new Dictionary<string, string[]> { ["mode"] = [$"must be graceful, now or force (got '{(mode.Length <= 40 ? mode : mode[..40] + "...")}')"] });
        }

        var cancel = mode == ForceMode
            ? await drains.ForceStopAsync(sessionId, cancellationToken)
            : await drains.CancelAsync(sessionId, mode == CancelRequest.Now, cancellationToken);
        return cancel.Status switch
        {
            DrainCancelStatus.NotFound => ApiResult.NotFound($"session {sessionId} not found"),
            DrainCancelStatus.NotRunning => ApiResult.Problem(409, "Conflict", $"session {sessionId} is not running ({cancel.RuntimeStatus})", extra: new { sessionId, status = cancel.RuntimeStatus.ToString() }),
            DrainCancelStatus.Forced => ApiResult.Ok(new { sessionId, instanceId = cancel.InstanceId, mode, restored = cancel.Restored, statusUrl = StatusUrl(sessionId) }),
            _ => ApiResult.Ok(new { sessionId, instanceId = cancel.InstanceId, mode, statusUrl = StatusUrl(sessionId) }, 202),
        };
    }

    /// <summary>
    /// <c>cancel?mode=force</c>: terminate the instance now and restore its in-flight phase
    /// (<see cref="DrainService.ForceStopAsync"/>), for a drain that does not stop otherwise.
    /// </summary>
    public const string ForceMode = "force";

    // ------------------------------------------------------------------ GET /api/options

    /// <summary>The options a request body takes, with this host's defaults (<see cref="OptionDeclarations"/>).</summary>
    public ApiResult Options() => OptionDeclarations.Answer(defaults);

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

    private string Absolute(string path) => Base?.Url(path) ?? path;

    /// <summary>
    /// A start's 202: our links (relative, as always) and Durable Functions' names for the same
    /// things, absolute: <c>id</c> (the instance), <c>statusQueryGetUri</c>, and
    /// <c>terminatePostUri</c> = <c>cancel?mode=force</c> (it terminates; a preview has none).
    /// DF's <c>sendEventPostUri</c>, <c>purgeHistoryDeleteUri</c>, <c>rewindPostUri</c>,
    /// <c>suspendPostUri</c> and <c>resumePostUri</c> have no route of ours and are not given.
    /// </summary>
    private ApiResult Accepted(string sessionId, string instanceId)
    {
        var status = StatusUrl(sessionId);
        var body = new
        {
            sessionId,
            instanceId,
            statusUrl = status,
            summaryUrl = status + "/summary",
            cancelUrl = status + "/cancel?mode=graceful",
            id = instanceId,
            statusQueryGetUri = Absolute(status),
            terminatePostUri = DrainInstances.IsPreviewId(sessionId) ? null : Absolute(status + "/cancel?mode=" + ForceMode),
        };
        return ApiResult.Ok(body, 202) with
        {
            Headers = new Dictionary<string, string>
            {
                ["Location"] = Absolute(status),
                ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>The HTTP answer to a start or resume: 202, 404, or 409 naming the drain that runs, holds the lock, or the complete session.</summary>
    private ApiResult Answer(DrainStart start) => start.Status switch
    {
        DrainStartStatus.Started when start is { SessionId: { } sessionId, InstanceId: { } instanceId } => Accepted(sessionId, instanceId),
        DrainStartStatus.AlreadyRunning => ApiResult.Problem(409, "Conflict", $"a drain is already running on this database: session {start.SessionId ?? "(starting)"}",
            extra: new { sessionId = start.SessionId, instanceId = start.InstanceId, statusUrl = start.SessionId is null ? null : StatusUrl(start.SessionId) }),
        DrainStartStatus.Locked => ApiResult.Problem(409, "Conflict", $"a drain is already running on this database: {start.Refusal?.Busy}",
            extra: new { sessionId = start.SessionId, instanceId = start.InstanceId, statusUrl = start.SessionId is null ? null : StatusUrl(start.SessionId), lockExpiresAt = start.Refusal?.BusyWith?.ExpiresAt }),
        DrainStartStatus.AlreadyComplete => ApiResult.Problem(409, "Conflict", $"session {start.SessionId} is already complete ({start.Session?.CompletedAt})", extra: new { sessionId = start.SessionId }),
        _ => ApiResult.NotFound(start.Problem ?? "not found"),
    };

    private static ApiResult? BadLogRoute(string sessionId, string runId, string phaseId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AddIdErrors(errors, "sessionId", sessionId, session: true);
        AddIdErrors(errors, "runId", runId, session: false);
        AddIdErrors(errors, "phaseId", phaseId, session: false);
        return errors.Count > 0 ? ApiResult.BadRequest("invalid route", errors) : null;
    }

    /// <summary>A byte offset from the query: absent is 0, else a whole number >= 0.</summary>
    private static long Offset(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return offset;
        }

        errors[field] = [$"must be a byte offset, a whole number >= 0 (got '{(value.Length <= 40 ? value : value[..40] + "...")}')"];
        return 0;
    }
}
