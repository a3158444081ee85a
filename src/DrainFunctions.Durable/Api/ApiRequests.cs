using System.Globalization;
using System.Text;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// What every request must satisfy before a handler sees it, shared by <c>drain serve</c> and the
/// Function App (plain values in, so no ASP.NET or Functions types): a browser page of another
/// origin must not start or cancel drains (its cross-origin <c>text/plain</c> POST needs no
/// preflight), and a body is small JSON.
/// </summary>
public static class ApiRequests
{
    /// <summary>The largest body read (a drain request is a few hundred bytes).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// A refusal, or null when the request may go on. <paramref name="origin"/> is the
    /// <c>Origin</c> header: absent (a non-browser client) is fine, otherwise it must be one of
    /// <paramref name="ownOrigins"/> (scheme://host[:port], compared without case and default ports).
    /// A POST with a body of known length, or with any <c>Content-Type</c>, must be JSON.
    /// </summary>
    public static ApiResult? Refuse(string method, string? contentType, long? contentLength, string? origin, IEnumerable<string> ownOrigins)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(ownOrigins);
        if (!string.IsNullOrEmpty(origin))
        {
            var own = ownOrigins.Select(Normalize).Where(o => o is not null).ToHashSet(StringComparer.Ordinal);
            if (Normalize(origin) is not { } given || !own.Contains(given))
            {
                return ApiResult.Problem(403, "Forbidden", $"requests from another origin are refused (Origin: {Shorten(origin)}); call the API from a program, or from a page served by this host");
            }
        }

        if (!IsMethod(method, "POST"))
        {
            return null;
        }

        if (contentLength > MaxBodyBytes)
        {
            return TooLarge(contentLength.Value);
        }

        // A body announced without a type, or any type but JSON, is refused; a POST without a body
        // (cancel) needs no type, and an unknown length (HTTP/2, chunked) without a type must still parse as JSON.
        if ((contentType is not null || contentLength > 0) && !IsJson(contentType))
        {
            return ApiResult.Problem(415, "Unsupported Media Type", $"a request body must be JSON: Content-Type: application/json (got {(contentType is null ? "none" : Shorten(contentType))})");
        }

        return null;
    }

    /// <summary>
    /// Reads a body of at most <see cref="MaxBodyBytes"/> bytes as UTF-8 (null when empty); more, or
    /// text that is not UTF-8, is refused without reading further.
    /// </summary>
    public static async Task<(string? Body, ApiResult? Error)> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = new byte[MaxBodyBytes + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        if (total > MaxBodyBytes)
        {
            return (null, TooLarge(null));
        }

        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(buffer, 0, total);
            return (text.Length == 0 ? null : text, null);
        }
        catch (DecoderFallbackException)
        {
            return (null, ApiResult.BadRequest("invalid body", new Dictionary<string, string[]> { ["body"] = ["is not UTF-8 text"] }));
        }
    }

    private static ApiResult TooLarge(long? length) =>
        ApiResult.Problem(413, "Content Too Large", string.Create(CultureInfo.InvariantCulture,
            $"a request body may have at most {MaxBodyBytes} bytes{(length is { } l ? $" (got {l})" : string.Empty)}"));

    private static bool IsMethod(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);

    /// <summary><c>application/json</c> or <c>application/*+json</c>, with parameters; a charset, if any, is UTF-8.</summary>
    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var parts = contentType.Split(';', StringSplitOptions.TrimEntries);
        var media = parts[0].ToLowerInvariant();
        if (!(media == "application/json" || (media.StartsWith("application/", StringComparison.Ordinal) && media.EndsWith("+json", StringComparison.Ordinal))))
        {
            return false;
        }

        return parts.Skip(1).All(p => !p.StartsWith("charset=", StringComparison.OrdinalIgnoreCase) || p[8..].Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>scheme://host:port in lower case with the port made explicit; null when not an http(s) origin (e.g. <c>null</c>).</summary>
    private static string? Normalize(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath is "/" or "" && string.IsNullOrEmpty(uri.Query)
            ? string.Create(CultureInfo.InvariantCulture, $"{uri.Scheme}://{uri.IdnHost.ToLowerInvariant()}:{uri.Port}")
            : null;

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
