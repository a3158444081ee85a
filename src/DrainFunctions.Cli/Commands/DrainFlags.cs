using DrainFunctions.Core.Options;

namespace DrainFunctions.Cli.Commands;

/// <summary>Everything <c>drain [flags]</c> accepts: the Python tool's flags plus ours.</summary>
public sealed record DrainInvocation
{
    public required DrainOptions Options { get; init; }

    public bool Resume { get; init; }

    public string Executor { get; init; } = "process";

    public string? ExecutorCommand { get; init; }

    public string? Workspace { get; init; }

    public bool Json { get; init; }

    public string? Endpoint { get; init; }

    public string? Key { get; init; }

    /// <summary>Seconds between durable phases for the demo executor's sleeps (1 = real time).</summary>
    public double? DemoTimeScale { get; init; }
}

/// <summary>Parses the drain's flags with the Python tool's names, meanings and defaults.</summary>
public static class DrainFlags
{
    public static readonly IReadOnlySet<string> Switches = new HashSet<string>(StringComparer.Ordinal)
    {
        "--dry-run", "--resume", "--skip-runs-with-queued", "--no-skip-runs-with-queued", "--skip-runs-in-flight", "--allow-empty-db",
        "--sample-first", "--json", "--no-ledger", "--help",
    };

    public const string Usage = """
        usage: drain [--batch-size N] [--run-id RUN] [--dry-run] [--resume]
                     [--skip-runs-with-queued | --no-skip-runs-with-queued] [--skip-runs-in-flight] [--api-url URL]
                     [--phase-timeout-seconds N] [--max-total-minutes M] [--max-timeouts-per-run N]
                     [--max-attempts-per-phase N] [--max-fingerprint-repeats N]
                     [--skip-run-prefix PREFIX]... [--max-consecutive-zero-yield N] [--allow-empty-db]
                     [--executor process|demo] [--executor-command TEMPLATE] [--workspace DIR]
                     [--sample-first] [--no-ledger] [--json] [--endpoint URL --key KEY]
          DATABASE_URL must be set (postgresql://user:pass@host:5432/db or sqlite:///path.db).
        """;

    public static DrainInvocation Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args, Switches);
        if (reader.Positionals.Count > 0)
        {
            throw new UsageException($"unrecognized arguments: {string.Join(' ', reader.Positionals)}");
        }

        var skip = reader.Has("--skip-runs-with-queued");
        var noSkip = reader.Has("--no-skip-runs-with-queued");
        if (skip && noSkip)
        {
            throw UsageException.ForFlag("--no-skip-runs-with-queued", "not allowed with argument --skip-runs-with-queued");
        }

        var defaults = new DrainOptions();
        var options = new DrainOptions
        {
            BatchSize = reader.WholeNumber("--batch-size", 1) ?? defaults.BatchSize,
            RunId = reader.Value("--run-id"),
            DryRun = reader.Has("--dry-run"),
            SkipRunsWithQueued = !noSkip,
            SkipRunsInFlight = reader.Has("--skip-runs-in-flight"),
            ApiUrl = reader.Value("--api-url"),
            PhaseTimeoutSeconds = reader.WholeNumber("--phase-timeout-seconds", 1, DrainOptions.MaxPhaseTimeoutSeconds, "7 days") ?? defaults.PhaseTimeoutSeconds,
            MaxTotalMinutes = reader.PositiveNumber("--max-total-minutes", DrainOptions.MaxTotalMinutesLimit, "30 days"),
            MaxTimeoutsPerRun = reader.WholeNumber("--max-timeouts-per-run", 1) ?? defaults.MaxTimeoutsPerRun,
            MaxAttemptsPerPhase = reader.WholeNumber("--max-attempts-per-phase", 1) ?? defaults.MaxAttemptsPerPhase,
            MaxFingerprintRepeats = reader.WholeNumber("--max-fingerprint-repeats", 1) ?? defaults.MaxFingerprintRepeats,
            SkipRunPrefixes = reader.Strings("--skip-run-prefix"),
            MaxConsecutiveZeroYield = reader.WholeNumber("--max-consecutive-zero-yield", 1),
            AllowEmptyDb = reader.Has("--allow-empty-db"),
            SampleFirst = reader.Has("--sample-first"),
            LedgerEnabled = !reader.Has("--no-ledger"),
        };

        var invocation = new DrainInvocation
        {
            Options = options,
            Resume = reader.Has("--resume"),
            Executor = reader.Choice("--executor", "process", "demo") ?? "process",
            ExecutorCommand = reader.Value("--executor-command"),
            Workspace = reader.Value("--workspace"),
            Json = reader.Has("--json"),
            Endpoint = reader.Value("--endpoint"),
            Key = reader.Value("--key"),
        };
        reader.Has("--help");
        reader.RejectUnknown();

        foreach (var error in options.Validate())
        {
            throw UsageException.ForFlag(error.FlagName, error.Message);
        }

        if (invocation.ExecutorCommand is not null)
        {
            if (invocation.Executor == "demo")
            {
                throw UsageException.ForFlag("--executor-command", "not allowed with --executor demo (the demo executor has its own command)");
            }

            CheckTemplate(invocation.ExecutorCommand);
        }

        if (invocation.Workspace is not null && !Directory.Exists(invocation.Workspace))
        {
            throw UsageException.ForFlag("--workspace", $"no such directory: {invocation.Workspace}");
        }

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

    /// <summary>The template's text: not empty, well quoted, only known placeholders (exit 2 naming the flag).</summary>
    public static void CheckTemplate(string template)
    {
        if (DrainFunctions.Durable.Executors.CommandLine.TemplateProblems(template) is [var problem, ..])
        {
            throw UsageException.ForFlag("--executor-command", problem);
        }
    }

    /// <summary>
    /// Before anything starts: the program of the process executor's command exists (on PATH, or
    /// relative to the workspace). Not for the demo executor (ours), nor for a dry run (runs nothing).
    /// </summary>
    public static void CheckExecutable(string kind, string? command, string? workspace)
    {
        if (kind != "process")
        {
            return;
        }

        var template = command ?? DrainFunctions.Durable.Hosting.ExecutorOptions.DefaultTemplate;
        CheckTemplate(template);
        if (DrainFunctions.Durable.Executors.CommandLine.FindExecutable(template, workspace ?? Directory.GetCurrentDirectory()) is (_, { } error))
        {
            throw UsageException.ForFlag("--executor-command", command is null ? $"{error}; the default command is `{template}`: install it, or give the command with --executor-command" : error);
        }
    }
}
