using System.Text.Json;
using System.Text.Json.Serialization;
using DrainFunctions.Durable.Executors;

namespace DrainFunctions.Durable.Storage;

/// <summary>How far an attempt got; written before each step, so a redelivered call knows what may already have happened.</summary>
public static class AttemptStages
{
    /// <summary>The marker exists; the phase may or may not be re-queued yet; no executor was started.</summary>
    public const string Marked = "marked";

    /// <summary>The phase is re-queued and the executor is about to start (it may have).</summary>
    public const string Starting = "starting";

    /// <summary>The executor started: <see cref="AttemptRecord.Pid"/> is its main process.</summary>
    public const string Started = "started";

    /// <summary>Every process of the attempt is gone.</summary>
    public const string Ended = "ended";

    /// <summary>A marker written before markers were JSON: treated as started, found by its tag only.</summary>
    public const string Legacy = "legacy";

    public static bool MayHaveStarted(string stage) => stage is Starting or Started or Ended or Legacy;
}

/// <summary>
/// What the drain decided about an attempt's phase once its processes were gone, written before
/// the database is changed (a write-ahead record): a retried or redelivered settle repeats the
/// same decision instead of mistaking the drain's own restore for the executor's failure.
/// </summary>
public sealed record AttemptSettlement
{
    /// <summary>The drain put the phase back to FAILED (it was still QUEUED/EXECUTING).</summary>
    public bool Restored { get; init; }

    /// <summary>The phase's state when it was read, before any restore; <c>NOT_FOUND</c> when it was gone.</summary>
    public string SeenState { get; init; } = string.Empty;

    public string? LastFailureReason { get; init; }

    /// <summary>The failure reason written by the restore.</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// The attempt marker blob <c>&lt;session&gt;/attempts/&lt;attempt-id&gt;</c>: created before the
/// executor may start (<c>If-None-Match: *</c>), then updated at each stage. It holds what a
/// restarted host needs to find the attempt's processes again (machine and boot, cgroup, tag,
/// main pid and its start time) and, at the end, the settlement.
/// </summary>
public sealed record AttemptRecord
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public string AttemptId { get; init; } = string.Empty;

    public string SessionId { get; init; } = string.Empty;

    public string? InstanceId { get; init; }

    public string RunId { get; init; } = string.Empty;

    public string PhaseId { get; init; } = string.Empty;

    public string Stage { get; init; } = AttemptStages.Marked;

    /// <summary>When the executor is killed, as given to the call that started it.</summary>
    public DateTimeOffset Deadline { get; init; }

    public int TimeoutSeconds { get; init; }

    /// <summary>
    /// With <c>--extend-on-progress</c>: the latest deadline decided to stay, by the drain's look
    /// (no progress) or by the executor that reached it and waited for the look in vain. Both decide
    /// through this marker's ETag, so that a deadline is either moved or kept, never both.
    /// </summary>
    public DateTimeOffset? KeptDeadline { get; init; }

    public string Machine { get; init; } = string.Empty;

    public string BootId { get; init; } = string.Empty;

    public string Tag { get; init; } = string.Empty;

    public string? Cgroup { get; init; }

    public int? Pid { get; init; }

    public long? PidStartTicks { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public AttemptSettlement? Settlement { get; init; }

    /// <summary>The agent pool's side of the attempt (executor <c>agent</c> only).</summary>
    public AgentAssignment? Assignment { get; init; }

    /// <summary>
    /// The executor call's answer, kept before the call started the next attempt
    /// (<see cref="Orchestration.InlineRecord.Next"/>): a redelivered call answers the same, so the
    /// orchestration always learns of the attempt it started. The engine's own JSON of the output,
    /// gzip-compressed and base64-encoded (<see cref="PackAnswer"/>); let go once the orchestration
    /// asked for that next attempt.
    /// </summary>
    public string? Answer { get; init; }

    /// <summary>The form <see cref="Answer"/> is kept in: about a third of the JSON's bytes.</summary>
    public static string PackAnswer(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(json));
        }

        return Convert.ToBase64String(packed.ToArray());
    }

    /// <summary>The JSON <see cref="PackAnswer"/> packed.</summary>
    public static string UnpackAnswer(string packed)
    {
        ArgumentNullException.ThrowIfNull(packed);
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(Convert.FromBase64String(packed)), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Handed to the agent pool: its processes are an agent's, never this host's.</summary>
    [JsonIgnore]
    public bool RunsOnAgent => Assignment is not null;

    /// <summary>The text of a marker written before markers were JSON (kept for what it said).</summary>
    public string? LegacyText { get; init; }

    [JsonIgnore]
    public AttemptProcess? MainProcess => Pid is { } pid ? new AttemptProcess(pid, PidStartTicks ?? 0) : null;

    /// <summary>Recorded by this machine since its last boot (its processes can be seen from here).</summary>
    public bool IsLocal(string machine, string bootId) =>
        string.Equals(Machine, machine, StringComparison.Ordinal) && (string.IsNullOrEmpty(BootId) || string.Equals(BootId, bootId, StringComparison.Ordinal));

    /// <summary>What became of <paramref name="due"/>: moved on (the deadline is later), kept, or not decided yet.</summary>
    public Executors.DeadlineVerdict VerdictAt(DateTimeOffset due) =>
        Deadline > due ? new(Executors.DeadlineVerdictKind.Moved, Deadline)
        : KeptDeadline >= due ? Executors.DeadlineVerdict.Kept(due)
        : new(Executors.DeadlineVerdictKind.Undecided, due);

    /// <summary>The executor gives up waiting for the drain's look at <paramref name="due"/>: the deadline stays, unless the look moved it meanwhile.</summary>
    public AttemptRecord GiveUpAt(DateTimeOffset due) => VerdictAt(due).Kind == Executors.DeadlineVerdictKind.Undecided ? this with { KeptDeadline = due } : this;

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static AttemptRecord Parse(string text, string sessionId, string attemptId)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                return JsonSerializer.Deserialize<AttemptRecord>(text, Json) ?? throw new JsonException("null");
            }
            catch (JsonException)
            {
                // fall through: kept as text
            }
        }

        return new AttemptRecord { AttemptId = attemptId, SessionId = sessionId, Stage = AttemptStages.Legacy, LegacyText = text };
    }
}
