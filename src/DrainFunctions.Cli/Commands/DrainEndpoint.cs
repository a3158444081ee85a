namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The HTTP API a command drives instead of the local task hub (<c>--endpoint URL</c>), and its
/// function key (<c>--key</c>, else the <c>DRAIN_API_KEY</c> environment variable, so that the key
/// stays out of shell history; none: <c>drain serve</c> without a key).
/// </summary>
public sealed record DrainEndpoint(Uri Url, string? Key)
{
    public const string KeyVariable = "DRAIN_API_KEY";

    /// <summary>The endpoint of <c>--endpoint</c> / <c>--key</c>, or null for the local task hub.</summary>
    public static DrainEndpoint? From(string? url, string? key)
    {
        if (url is null)
        {
            return key is null ? null : throw UsageException.ForFlag("--key", "only with --endpoint");
        }

        if (!(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            throw UsageException.ForFlag("--endpoint", $"invalid URL: '{url}' (allowed: http:// or https:// URL of the Function App)");
        }

        return new DrainEndpoint(uri, key ?? (Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null));
    }

    /// <summary>An HTTP client of the API: base address <c>URL/</c>, the key in <c>x-functions-key</c>.</summary>
    public HttpClient CreateClient(HttpMessageHandler? handler = null)
    {
        var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = new Uri(Url.ToString().TrimEnd('/') + "/");
        if (Key is not null)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", Key);
        }

        return http;
    }
}
