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

    public int RecentSessions { get; init; } = 20;

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
        return ApiResult.Ok(new
        {
            instanceId = preview.PreviewId,
            picks = preview.Outcome.Picks,
            stop = preview.Outcome.Stop,
            lines = preview.RecentLines,
        });
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

    public async Task<ApiResult> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = (await drains.ListAsync(RecentSessions, cancellationToken)).Select(d => new
        {
            sessionId = d.SessionId,
            instanceId = d.InstanceId,
            status = d.Status,
            startedAt = d.Session?.StartedAt,
            completedAt = d.Session?.CompletedAt,
            totals = d.Session is null ? null : d.Totals?.ToDictionary(),
        }).ToList();
        return ApiResult.Ok(new { sessions = list });
    }

    // ------------------------------------------------------------------ GET /api/drains/{sessionId}

    public async Task<ApiResult> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        if (BadSessionId(sessionId) is { } bad)
        {
            return bad;
        }

        if (await drains.StatusAsync(sessionId, cancellationToken) is not { } drain)
        {
            return ApiResult.NotFound($"session {sessionId} not found");
        }

        JsonElement? document = drain.SessionJson is null ? null : JsonDocument.Parse(drain.SessionJson).RootElement.Clone();
        return ApiResult.Ok(new
        {
            sessionId,
            instanceId = drain.InstanceId,
            status = drain.Status,
            progress = drain.Progress,
            totals = drain.Totals?.ToDictionary(),
            failure = drain.Failure,
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
        if (mode is not (CancelRequest.Graceful or CancelRequest.Now))
        {
            return ApiResult.BadRequest("invalid query", new Dictionary<string, string[]> { ["mode"] = [$"must be graceful or now (got '{(mode.Length <= 40 ? mode : mode[..40] + "...")}')"] });
        }

        var cancel = await drains.CancelAsync(sessionId, mode == CancelRequest.Now, cancellationToken);
        return cancel.Status switch
        {
            DrainCancelStatus.NotFound => ApiResult.NotFound($"session {sessionId} not found"),
            DrainCancelStatus.NotRunning => ApiResult.Problem(409, "Conflict", $"session {sessionId} is not running ({cancel.RuntimeStatus})", extra: new { sessionId, status = cancel.RuntimeStatus.ToString() }),
            _ => ApiResult.Ok(new { sessionId, instanceId = cancel.InstanceId, mode, statusUrl = StatusUrl(sessionId) }, 202),
        };
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

    /// <summary>The HTTP answer to a start or resume: 202, 404, or 409 naming the drain that runs, holds the lock, or the complete session.</summary>
    private static ApiResult Answer(DrainStart start) => start.Status switch
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
