using System.CommandLine;
using DrainFunctions.Core.Options;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The flags of <c>drain</c> (the root command) and of <c>drain demo</c>: the drain's policy
/// flags and ours (where it runs, how it reports); <see cref="Bind"/> makes them a checked
/// <see cref="DrainInvocation"/>.
/// </summary>
public sealed class DrainFlagSet
{
    public const string ApiKeyVariable = "DRAIN_API_KEY";

    private readonly PolicyFlags policy = PolicyFlags.For(DrainOptionSurfaces.Cli);
    private readonly Option<bool> resume = Flag.Switch("--resume", "continue the newest incomplete session (or re-attach to the running drain)");
    private readonly ExecutorFlags executor = new();
    private readonly Option<bool> json = Flag.Switch("--json", "progress and summary on stderr, only the final session JSON on stdout");
    private readonly Option<string?> endpoint = Flag.Text("--endpoint", "URL", "run the drain on this Function App (or drain serve) over its HTTP API");
    private readonly Option<string?> key = Flag.Text("--key", "KEY", $"the function key for --endpoint (default: ${ApiKeyVariable}, which keeps it out of shell history)");

    /// <summary>The names of the policy flags (those that set <see cref="DrainOptions"/>).</summary>
    public IEnumerable<string> PolicyNames => policy.Names;

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        policy.AddTo(command);
        foreach (var option in new Option[] { resume }.Concat(executor.Options).Concat([json, endpoint, key]))
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The invocation: <paramref name="baseOptions"/> with the given flags applied, checked as the
    /// drain needs it (a bad value, a broken command template, a missing workspace: exit 2).
    /// </summary>
    public DrainInvocation Bind(ParseResult parsed, DrainOptions baseOptions, string defaultExecutor = "process")
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var options = policy.Bind(parsed, baseOptions);
        var givenEndpoint = parsed.GetValue(endpoint);
        var (kind, command, folder) = executor.Read(parsed);
        var invocation = new DrainInvocation
        {
            Options = options,
            Resume = parsed.GetValue(resume),
            Executor = kind ?? defaultExecutor,
            ExecutorCommand = command,
            Workspace = folder,
            Json = parsed.GetValue(json),
            Endpoint = givenEndpoint,
            Key = parsed.GetValue(key) ?? (givenEndpoint is null ? null : ApiKeyFromEnvironment()),
        };

        foreach (var error in options.Validate())
        {
            throw UsageException.ForFlag(error.FlagName, error.Message);
        }

        ExecutorFlags.Check(invocation.Executor, invocation.ExecutorCommand, invocation.Workspace);

        if ((invocation.Endpoint is null) != (invocation.Key is null))
        {
            throw UsageException.ForFlag(invocation.Endpoint is null ? "--endpoint" : "--key", "--endpoint and --key go together");
        }

        if (invocation.Endpoint is not null && !(Uri.TryCreate(invocation.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            throw UsageException.ForFlag("--endpoint", $"invalid URL: '{invocation.Endpoint}' (allowed: http:// or https:// URL of the Function App)");
        }

        return invocation;
    }

    private static string? ApiKeyFromEnvironment() =>
        Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null;
}
