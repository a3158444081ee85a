using System.Collections.Frozen;
using System.Reflection;

namespace DrainFunctions.Dashboard;

/// <summary>
/// The live dashboard's files, embedded in this assembly. <c>drain serve</c> answers them at
/// <c>/</c> and <c>/dashboard/{file}</c>; the Function App at <c>/api/dashboard</c> and
/// <c>/api/dashboard/{file}</c> (its routes live under <c>api/</c>). The page asks for its files by
/// relative URL and for data at <c>/api/...</c>, so the same bytes work under both hosts.
/// </summary>
public static class DashboardAssets
{
    /// <summary>The page itself; what an empty file name answers.</summary>
    public const string Page = "index.html";

    /// <summary>
    /// Sent with every file: the page runs only its own script and talks only to its own origin,
    /// so a session's text (a log, an error message) can never run as code or leave the page.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["Content-Security-Policy"] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        ["X-Content-Type-Options"] = "nosniff",
        ["Referrer-Policy"] = "no-referrer",
        ["Cache-Control"] = "no-cache",
    };

    private static readonly FrozenDictionary<string, DashboardAsset> Files = Load();

    /// <summary>Every file's name.</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>The file named <paramref name="file"/> (null or empty: the page); null when there is none.</summary>
    public static DashboardAsset? Find(string? file) =>
        Files.GetValueOrDefault(string.IsNullOrEmpty(file) ? Page : file);

    /// <summary>
    /// The file a <c>drain serve</c> path asks for: <c>/</c> and <c>/api/dashboard</c> are the page,
    /// <c>/dashboard/NAME</c> and <c>/api/dashboard/NAME</c> its files; null for any other path.
    /// </summary>
    public static DashboardAsset? ForServePath(string? path)
    {
        foreach (var root in (string[])["/dashboard", "/api/dashboard"])
        {
            if (path == root)
            {
                return root == "/api/dashboard" ? Find(Page) : null;
            }

            if (path is not null && path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return Files.GetValueOrDefault(path[(root.Length + 1)..]);
            }
        }

        return path is "/" or "" ? Find(Page) : null;
    }

    private static FrozenDictionary<string, DashboardAsset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("dashboard/", StringComparison.Ordinal)))
        {
            var name = resource["dashboard/".Length..];
            files[name] = new DashboardAsset(name, ContentTypeOf(name), Read(assembly, resource));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "text/plain; charset=utf-8",
    };
}
