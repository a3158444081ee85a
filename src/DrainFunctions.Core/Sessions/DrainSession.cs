using System.Globalization;

namespace DrainFunctions.Core.Sessions;

/// <summary>A drain session: the document the Python tool saved after every phase.</summary>
public sealed class DrainSession
{
    public string SessionId { get; set; } = string.Empty;

    public string StartedAt { get; set; } = string.Empty;

    public string? CompletedAt { get; set; }

    public int BatchSize { get; set; }

    public PolicyState State { get; set; } = new();

    public List<DrainResult> Results { get; set; } = [];

    public bool IsComplete => CompletedAt is not null;

    public static DrainSession Start(DateTimeOffset startedAt, int batchSize) => new()
    {
        SessionId = SessionIds.FromStart(startedAt),
        StartedAt = Iso8601.Format(startedAt),
        BatchSize = batchSize,
    };
}

/// <summary>Session ids: <c>batch-drain-YYYYMMDD-HHMMSS</c> in UTC.</summary>
public static class SessionIds
{
    public const string Prefix = "batch-drain-";

    public static string FromStart(DateTimeOffset startedAt) =>
        Prefix + startedAt.ToUniversalTime().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>How a session id looks, for messages.</summary>
    public const string ExpectedForm = "batch-drain-YYYYMMDD-HHMMSS";

    public static bool IsValid(string? sessionId) =>
        sessionId is not null
        && sessionId.StartsWith(Prefix, StringComparison.Ordinal)
        && DateTime.TryParseExact(sessionId[Prefix.Length..], "yyyyMMdd-HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}

/// <summary>Timestamps as the Python tool wrote them: ISO-8601, UTC, <c>+00:00</c>.</summary>
public static class Iso8601
{
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+00:00";

    public static bool TryParse(string? text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
