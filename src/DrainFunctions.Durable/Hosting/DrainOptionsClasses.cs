using DrainFunctions.Core.Ports;
using DrainFunctions.Durable.Executors;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Hosting;

/// <summary>Where session snapshots and logs go (section <c>Snapshots</c>).</summary>
public sealed class SnapshotOptions
{
    public const string SectionName = "Snapshots";
    public const string DefaultContainer = "batch-drain-sessions";

    /// <summary>
    /// A storage connection string (<c>UseDevelopmentStorage=true</c> for Azurite). Falls back to
    /// <c>AzureWebJobsStorage</c> when the host wires it so.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Identity-based alternative: the blob service URI, used with DefaultAzureCredential by the host.</summary>
    public Uri? ServiceUri { get; set; }

    public string ContainerName { get; set; } = DefaultContainer;

    /// <summary>How often the executor's output is appended to its log blobs while it runs.</summary>
    public TimeSpan LogFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Executor output held in memory per stream while storage takes it (default 4 MiB); beyond it
    /// the executor's writes wait (back-pressure), so memory stays bounded whatever it prints.
    /// </summary>
    public int LogBufferBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long the end of an attempt waits for unreachable storage to take the rest of its output.</summary>
    public TimeSpan LogFinalFlushTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public int MaxRetries { get; set; } = 5;

    /// <summary>
    /// The backlog identity (<see cref="BacklogIdentity.Canonical"/>, from <c>DATABASE_URL</c>) that
    /// sessions and the ledger are scoped by; hosts set it. Left empty only by commands that read
    /// every backlog's history (<c>--all</c>) or history written before scoping.
    /// </summary>
    public string? Backlog { get; set; }

    public BacklogIdentity? BacklogScope() => string.IsNullOrWhiteSpace(Backlog) ? null : new BacklogIdentity(Backlog);
}

/// <summary>How a phase is executed (section <c>Executor</c>).</summary>
public sealed class ExecutorOptions
{
    public const string SectionName = "Executor";
    public const string AgentKind = "agent";
    public const string DefaultTemplate = "python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force";

    /// <summary>
    /// <c>process</c> (the template as is), <c>demo</c> (our stand-in executor through the same
    /// process path), or <c>agent</c> (handed to <c>drain agent</c> processes through a queue).
    /// </summary>
    public string Kind { get; set; } = "process";

    public string CommandTemplate { get; set; } = DefaultTemplate;

    /// <summary>Working directory of the executor (Autopack's workspace).</summary>
    public string Workspace { get; set; } = ".";

    /// <summary>Passed to the executor as <c>DATABASE_URL</c>; required.</summary>
    public string DatabaseUrl { get; set; } = string.Empty;

    /// <summary>Passed as <c>AUTOPACK_API_URL</c> when set.</summary>
    public string? ApiUrl { get; set; }

    /// <summary>For <c>demo</c>: path of DrainFunctions.DemoExecutor.dll (run with <c>dotnet</c>).</summary>
    public string? DemoExecutorPath { get; set; }

    /// <summary>For <c>demo</c>: multiplies the demo's sleeps (0.01 for tests).</summary>
    public double DemoTimeScale { get; set; } = 1.0;

    /// <summary>
    /// Whether start-up checks that the template's program exists (<see cref="CommandLine.FindExecutable"/>).
    /// Off only for a dry run, which runs nothing (a preview may run where the workspace is not).
    /// </summary>
    public bool VerifyExecutable { get; set; } = true;

    /// <summary>How often a running attempt checks its stop marker blob.</summary>
    public TimeSpan StopPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How the processes of an attempt are kept together and ended: <c>auto</c> (a cgroup v2 per
    /// attempt when one can be created, else the environment tag), <c>cgroup</c> (required), or
    /// <c>tag</c> (only <c>DRAIN_ATTEMPT_ID</c> in every process's environment).
    /// </summary>
    public string Containment { get; set; } = "auto";

    /// <summary>Where attempts' cgroups are created; default: &lt;cgroup2 mount&gt;&lt;own cgroup&gt;/drain-attempts.</summary>
    public string? CgroupRoot { get; set; }

    /// <summary>After an exit 0: how long to wait for the phase to leave QUEUED/EXECUTING.</summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan SettlePoll { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The template actually run: the demo's when <see cref="Kind"/> is <c>demo</c>.</summary>
    public string EffectiveTemplate => Kind == "demo"
        ? $"dotnet {QuoteWord(DemoExecutorPath ?? string.Empty)} --run-id {{run_id}} --phase-id {{phase_id}} --time-scale {DemoTimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
        : CommandTemplate;

    private static string QuoteWord(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

internal sealed class SnapshotOptionsValidator : IValidateOptions<SnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && options.ServiceUri is null)
        {
            errors.Add("Snapshots: set ConnectionString (UseDevelopmentStorage=true for Azurite) or ServiceUri.");
        }

        // Container names: 3-63 chars, lower-case letters, digits and single dashes.
        var c = options.ContainerName ?? string.Empty;
        if (c.Length is < 3 or > 63 || !c.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') || c.StartsWith('-') || c.EndsWith('-') || c.Contains("--", StringComparison.Ordinal))
        {
            errors.Add($"Snapshots: ContainerName '{c}' is not a valid blob container name.");
        }

        if (string.IsNullOrWhiteSpace(options.Backlog))
        {
            errors.Add("Snapshots: Backlog (the backlog identity of DATABASE_URL) must be set, so that sessions and the ledger stay with their database.");
        }

        if (options.LogFlushInterval <= TimeSpan.Zero)
        {
            errors.Add("Snapshots: LogFlushInterval must be positive.");
        }

        if (options.LogBufferBytes < 64 * 1024 || options.LogFinalFlushTimeout < TimeSpan.Zero)
        {
            errors.Add("Snapshots: LogBufferBytes must be at least 65536 and LogFinalFlushTimeout >= 0.");
        }

        if (options.MaxRetries < 0)
        {
            errors.Add("Snapshots: MaxRetries must be >= 0.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class ExecutorOptionsValidator : IValidateOptions<ExecutorOptions>
{
    /// <summary>
    /// What is wrong with the process executor's command: its text (<see cref="CommandLine.TemplateProblems"/>),
    /// then, when <see cref="ExecutorOptions.VerifyExecutable"/>, its program. Checked at start, so that
    /// a typo is not found one wasted attempt per phase.
    /// </summary>
    public static IReadOnlyList<string> Problems(ExecutorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = CommandLine.TemplateProblems(options.CommandTemplate);
        if (problems.Count > 0 || !options.VerifyExecutable || string.IsNullOrWhiteSpace(options.Workspace))
        {
            return problems;
        }

        var (_, error) = CommandLine.FindExecutable(options.CommandTemplate, options.Workspace);
        return error is null ? [] : [error];
    }

    public ValidateOptionsResult Validate(string? name, ExecutorOptions options)
    {
        var errors = new List<string>();
        if (options.Kind is not ("process" or "demo" or ExecutorOptions.AgentKind))
        {
            errors.Add($"Executor: Kind must be 'process', 'demo' or 'agent', not '{options.Kind}'.");
        }

        if (string.IsNullOrWhiteSpace(options.DatabaseUrl))
        {
            errors.Add("Executor: DatabaseUrl (DATABASE_URL) must be set.");
        }

        if (options.Kind == "demo" && string.IsNullOrWhiteSpace(options.DemoExecutorPath))
        {
            errors.Add("Executor: DemoExecutorPath must be set for the demo executor.");
        }

        if (options.Kind == "process")
        {
            errors.AddRange(Problems(options).Select(p => $"Executor: CommandTemplate: {p}."));
        }

        if (string.IsNullOrWhiteSpace(options.Workspace))
        {
            errors.Add("Executor: Workspace must be set.");
        }

        if (options.ApiUrl is { Length: > 0 } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add("Executor: ApiUrl must be an absolute http(s) URL.");
        }

        if (options.DemoTimeScale < 0 || double.IsNaN(options.DemoTimeScale))
        {
            errors.Add("Executor: DemoTimeScale must be >= 0.");
        }

        if (options.Containment is not ("auto" or "cgroup" or "tag"))
        {
            errors.Add($"Executor: Containment must be 'auto', 'cgroup' or 'tag', not '{options.Containment}'.");
        }

        if (options.StopPollInterval <= TimeSpan.Zero || options.SettlePoll <= TimeSpan.Zero || options.SettleTimeout < TimeSpan.Zero)
        {
            errors.Add("Executor: StopPollInterval, SettlePoll must be positive and SettleTimeout >= 0.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// A program given relative to the workspace (<c>./run.sh</c>, <c>bin/drain-one</c>) is made
/// absolute: the process starts in the workspace, but .NET looks a relative program up from the
/// host's current directory, so without this the program checked at start would not be the one run.
/// </summary>
internal sealed class ExecutorOptionsResolver : IPostConfigureOptions<ExecutorOptions>
{
    public void PostConfigure(string? name, ExecutorOptions options)
    {
        if (options.Kind != "process" || string.IsNullOrWhiteSpace(options.Workspace) || CommandLine.TemplateProblems(options.CommandTemplate).Count > 0)
        {
            return;
        }

        var first = CommandLine.Split(options.CommandTemplate)[0];
        if (Path.IsPathRooted(first) || !(first.Contains('/', StringComparison.Ordinal) || first.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            return;
        }

        if (CommandLine.FindExecutable(options.CommandTemplate, options.Workspace) is ({ } path, null))
        {
            options.CommandTemplate = CommandLine.WithExecutable(options.CommandTemplate, path);
        }
    }
}
