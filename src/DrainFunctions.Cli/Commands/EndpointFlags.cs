using System.CommandLine;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>--endpoint URL [--key KEY]</c> of the commands that reach a drain (status, cancel, logs,
/// watch): the HTTP API of a Function App or of <c>drain serve</c> instead of the local task hub.
/// </summary>
public sealed class EndpointFlags
{
    private readonly Option<string?> url = Flag.Text("--endpoint", "URL", "reach the drain through this Function App (or drain serve) over its HTTP API instead of DATABASE_URL's local task hub");
    private readonly Option<string?> key = Flag.Text("--key", "KEY", $"the function key for --endpoint (default: ${DrainEndpoint.KeyVariable}, which keeps it out of shell history)");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(url);
        command.Options.Add(key);
    }

    /// <summary>The endpoint given, or null for the local task hub; a bad one is bad usage (exit 2).</summary>
    public DrainEndpoint? Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return DrainEndpoint.From(parsed.GetValue(url), parsed.GetValue(key));
    }
}
