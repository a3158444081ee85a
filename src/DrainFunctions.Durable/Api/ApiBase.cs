namespace DrainFunctions.Durable.Api;

/// <summary>
/// Where the caller reached the API (<c>scheme://host[:port]</c>), so that Locations and the
/// Durable Functions style URLs of an answer are absolute, as pollers (Logic Apps, APIM) need.
/// <paramref name="Code"/>: the function key when the caller gave it in the URL (<c>?code=</c>);
/// links keep it so that a poller which followed a keyed URL can follow ours. A key given in the
/// <c>x-functions-key</c> header is never put in a URL.
/// </summary>
public sealed record ApiBase(string Origin, string? Code = null)
{
    /// <summary>The absolute URL of <paramref name="path"/> (<c>/api/...</c>, with or without a query).</summary>
    public string Url(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var url = Origin.TrimEnd('/') + path;
        return string.IsNullOrEmpty(Code) ? url : url + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "code=" + Uri.EscapeDataString(Code);
    }
}
