using System.Globalization;
using System.Text;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// The query of <c>GET /api/drains</c>: <c>top</c>, <c>status</c> and <c>continuationToken</c>,
/// checked before storage is asked (a bad value is a 400 naming the parameter and what it allows).
/// The token is opaque to callers: the session the previous page ended with, base64url-encoded.
/// </summary>
public sealed record DrainListQuery(int Top, IReadOnlySet<string>? Statuses, string? After, Dictionary<string, string[]> Errors)
{
    /// <summary>The values of <c>status</c> a drain shows: its instance's runtime status, or, without one, its session's.</summary>
    public static readonly IReadOnlyList<string> StatusValues = ["Pending", "Running", "Suspended", "Completed", "Failed", "Terminated", "Incomplete"];

    public static DrainListQuery Parse(string? top, string? status, string? continuationToken, int defaultTop, int maxTop)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var count = defaultTop;
        if (!string.IsNullOrEmpty(top)
            && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > maxTop))
        {
            errors["top"] = [string.Create(CultureInfo.InvariantCulture, $"must be a whole number from 1 to {maxTop} (got '{Shorten(top)}')")];
        }

        HashSet<string>? statuses = null;
        if (!string.IsNullOrEmpty(status))
        {
            statuses = new HashSet<string>(StringComparer.Ordinal);
            foreach (var given in status.Split(',', StringSplitOptions.TrimEntries))
            {
                if (StatusValues.FirstOrDefault(v => v.Equals(given, StringComparison.OrdinalIgnoreCase)) is { } known)
                {
                    statuses.Add(known);
                }
                else
                {
                    errors["status"] = [$"must be one or more of {string.Join(", ", StatusValues)}, comma-separated (got '{Shorten(status)}')"];
                    break;
                }
            }
        }

        string? after = null;
        if (!string.IsNullOrEmpty(continuationToken))
        {
            after = SessionAfter(continuationToken);
            if (after is null)
            {
                errors["continuationToken"] = ["must be the continuationToken of a previous answer, as it was given"];
            }
        }

        return new DrainListQuery(count, statuses, after, errors);
    }

    public bool Matches(DrainView drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        return Statuses is null || Statuses.Contains(drain.Status);
    }

    /// <summary>The path of the next page: this query after <paramref name="token"/>.</summary>
    public string NextPath(string token)
    {
        var query = new List<string> { string.Create(CultureInfo.InvariantCulture, $"top={Top}") };
        if (Statuses is not null)
        {
            query.Add("status=" + string.Join(',', StatusValues.Where(Statuses.Contains)));
        }

        query.Add("continuationToken=" + Uri.EscapeDataString(token));
        return "/api/drains?" + string.Join('&', query);
    }

    public static string TokenAfter(string sessionId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(sessionId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? SessionAfter(string token)
    {
        if (token.Length > 200)
        {
            return null;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        try
        {
            var id = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            return SessionIds.IsValid(id) ? id : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
