namespace DrainFunctions.Core.Options;

/// <summary>
/// One slot of a parallel drain: its number (1-based, <c>{slot}</c>), the API server its phases
/// talk to (<c>AUTOPACK_API_URL</c>, <c>{api_url}</c>) and the directory they run in
/// (<c>{workspace}</c>; null: the executor's own). Given as <c>api=URL[,workspace=DIR]</c>.
/// </summary>
public sealed record DrainSlot(int Number, string? ApiUrl, string? Workspace)
{
    public const string Shape = "api=URL[,workspace=DIR]";

    /// <summary>The slot a text gives, or what is wrong with it (naming the key and the allowed ones).</summary>
    public static (DrainSlot? Slot, string? Problem) Parse(string text, int number)
    {
        ArgumentNullException.ThrowIfNull(text);
        string? api = null;
        string? workspace = null;
        foreach (var part in text.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part.Trim() : part[..eq].Trim();
            var value = eq < 0 ? null : part[(eq + 1)..].Trim();
            switch (key)
            {
                case "api" when value is { Length: > 0 }:
                    if (api is not null)
                    {
                        return (null, "gives api= twice (" + Shape + ")");
                    }

                    if (!(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
                    {
                        return (null, "api= must be an absolute http:// or https:// URL (" + Shape + ")");
                    }

                    api = value;
                    break;
                case "workspace" when value is { Length: > 0 }:
                    if (workspace is not null)
                    {
                        return (null, "gives workspace= twice (" + Shape + ")");
                    }

                    if (!Path.IsPathFullyQualified(value))
                    {
                        return (null, "workspace= must be an absolute directory path (" + Shape + ")");
                    }

                    workspace = value;
                    break;
                case "api" or "workspace":
                    return (null, $"{key}= needs a value ({Shape})");
                default:
                    return (null, $"unknown key '{(key.Length > 40 ? key[..40] + "..." : key)}' (allowed: api, workspace; {Shape})");
            }
        }

        return api is null ? (null, "needs api=URL (" + Shape + ")") : (new DrainSlot(number, api, workspace), null);
    }
}
