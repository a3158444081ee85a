using System.CommandLine;
using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// The command line as people expect it (issue 12): help with descriptions and examples on every
/// command, --version, shell completion, one error style; in process, nothing is started.
/// </summary>
public sealed class CommandLineShapeTests
{
    public static TheoryData<string> CommandsWithExamples => new(
        string.Empty, "demo", "serve", "status", "cancel", "logs", "watch", "sessions", "ledger", "forecast", "report", "fingerprint", "db", "simulate", "completion");

    public static TheoryData<string> Subcommands => new(
        "sessions list", "sessions show", "sessions import", "ledger show", "ledger forget", "db init", "db seed-demo");

    [Theory]
    [MemberData(nameof(CommandsWithExamples))]
    public void Help_Command_ShowsDescriptionUsageOptionsAndExamples(string command)
    {
        var result = Run([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Description:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Usage:\n  drain {command}".TrimEnd(), result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  ", result.Stdout, StringComparison.Ordinal);
        Assert.Empty(result.Stderr);
    }

    [Theory]
    [MemberData(nameof(Subcommands))]
    public void Help_Subcommand_ShowsItsDescriptionAndUsage(string command)
    {
        var result = Run([.. command.Split(' '), "-h"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Description:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Usage:\n  drain {command}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_Demo_HasNoSideEffects()
    {
        var database = Path.Combine(LocalEnvironment.FromProcess().WorkspaceFolder, "demo", "autopack-demo.db");
        var before = File.Exists(database) ? File.GetLastWriteTimeUtc(database) : (DateTime?)null;
        var url = Environment.GetEnvironmentVariable("DATABASE_URL");
        var hub = Environment.GetEnvironmentVariable(LocalEnvironment.TaskHubSetting);

        var result = CliRunner.Run(string.Empty, "demo", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("Created a fresh demo backlog", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, File.Exists(database) ? File.GetLastWriteTimeUtc(database) : null);
        Assert.Equal(url, Environment.GetEnvironmentVariable("DATABASE_URL"));
        Assert.Equal(hub, Environment.GetEnvironmentVariable(LocalEnvironment.TaskHubSetting));
    }

    [Fact]
    public void Help_Word_IsTheRootHelp()
    {
        Assert.Equal(CliRunner.Run(string.Empty, "--help").Stdout, CliRunner.Run(string.Empty, "help").Stdout);
    }

    [Fact]
    public void Version_Flag_PrintsTheVersion()
    {
        var result = CliRunner.Run(string.Empty, "--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Stdout);
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _drain_complete drain ./drain")]
    [InlineData("zsh", "bashcompinit")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName drain")]
    public void Completion_Shell_PrintsAScriptAskingDrainForSuggestions(string shell, string expected)
    {
        var result = CliRunner.Run(string.Empty, "completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[suggest:", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sessi", 5, "sessions")]
    [InlineData("sessions ", 9, "import")]
    [InlineData("--executor ", 11, "demo")]
    [InlineData("--max-f", 7, "--max-fingerprint-repeats")]
    [InlineData("ledger show --output ", 21, "json")]
    [InlineData("--prioritize ", 13, "forecast")]
    public void SuggestDirective_PartialLine_CompletesCommandsFlagsAndValues(string line, int position, string expected)
    {
        var result = CliRunner.Run(string.Empty, $"[suggest:{position}]", line);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout.Split('\n'));
    }

    [Theory]
    [InlineData(new[] { "bogus" }, "argument command: invalid choice: 'bogus' (choose from 'demo', 'serve', 'agent', 'agents', 'status', 'cancel', 'logs', 'watch', 'sessions', 'ledger', 'forecast', 'report', 'fingerprint', 'db', 'simulate', 'completion', or drain flags such as --batch-size)")]
    [InlineData(new[] { "--dry-run=yes" }, "argument --dry-run: ignored explicit argument (this flag takes no value)")]
    [InlineData(new[] { "sessions" }, "argument sessions: invalid choice: '' (choose from 'list', 'show', 'import')")]
    [InlineData(new[] { "ledger", "prune" }, "argument ledger: invalid choice: 'prune' (choose from 'show', 'forget')")]
    [InlineData(new[] { "sessions", "show" }, "the following arguments are required: ID")]
    [InlineData(new[] { "ledger", "show", "--output", "xml" }, "argument --output: invalid choice: 'xml' (choose from 'table', 'json')")]
    [InlineData(new[] { "--log-level", "loud" }, "argument --log-level: invalid choice: 'loud' (choose from 'trace', 'debug', 'information', 'warning', 'error', 'critical', 'none')")]
    [InlineData(new[] { "completion", "fish" }, "argument SHELL: invalid choice: 'fish' (choose from 'bash', 'zsh', 'pwsh')")]
    [InlineData(new[] { "serve", "--port", "70000" }, "argument --port: invalid value: 70000 (allowed: an integer from 1 to 65535 (a TCP port))")]
    [InlineData(new[] { "simulate", "--share-hang", "2" }, "argument --share-hang: invalid value: 2 (allowed: a number from 0 to 1)")]
    [InlineData(new[] { "demo", "--executor", "docker" }, "argument --executor: invalid choice: 'docker' (choose from 'process', 'demo')")]
    [InlineData(new[] { "--dry-run", "--prioritize", "fastest" }, "argument --prioritize: invalid choice: 'fastest' (choose from 'seed', 'yield', 'forecast')")]
    [InlineData(new[] { "simulate", "--prioritize", "Yield" }, "argument --prioritize: invalid choice: 'Yield' (choose from 'seed', 'yield', 'forecast')")]
    [InlineData(new[] { "forecast", "--output", "xml" }, "argument --output: invalid choice: 'xml' (choose from 'table', 'json')")]
    public void BadUsage_AnyCommand_OneErrorStyleAndExit2(string[] args, string expected)
    {
        var result = CliRunner.Run(string.Empty, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"drain: error: {expected}\n", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "--batch-sise", "5" }, "drain: did you mean --batch-size? (drain --help lists its flags)")]
    [InlineData(new[] { "ledger", "show", "--bogus" }, "drain: drain ledger show takes: --ledger-window-hours, --all, --output, --log-level, --verbose, --log-format, --help (drain ledger show --help explains them)")]
    public void UnknownFlag_AnyCommand_NamedThenHinted(string[] args, string hint)
    {
        var result = Run(args);

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"drain: error: unrecognized arguments: {args.First(a => a.StartsWith("--b", StringComparison.Ordinal))}", lines[0]);
        Assert.Equal(hint, lines[1]);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("--batch-size=zero")]
    [InlineData("simulate --help")]
    public void Output_HelpAndErrors_NoColourNorOtherEscapes(string args)
    {
        var result = CliRunner.Run(string.Empty, args.Split(' '));

        Assert.DoesNotContain('\u001b', result.Stdout + result.Stderr);
    }

    [Theory]
    [InlineData(typeof(InvalidOperationException), false)]
    [InlineData(typeof(NullReferenceException), false)]
    [InlineData(typeof(ArgumentException), false)]
    [InlineData(typeof(HttpRequestException), true)]
    [InlineData(typeof(DrainFunctions.LocalHost.StorageUnavailableException), true)]
    public void IsInfrastructure_Exception_OnlyWhatTheDrainRunsOn(Type type, bool expected)
    {
        var exception = (Exception)Activator.CreateInstance(type, "x")!;

        Assert.Equal(expected, DrainCli.IsInfrastructure(exception));
    }

    [Fact]
    public void IsInfrastructure_StorageFailureWrappedWithWhatWasDone_Infrastructure()
    {
        var wrapped = new InvalidOperationException("could not store session s", new Azure.RequestFailedException(503, "unavailable"));

        Assert.True(DrainCli.IsInfrastructure(wrapped));
    }

    /// <summary>Runs in process, where the program is the test host: its name is shown as drain's.</summary>
    private static CliResult Run(params string[] args)
    {
        var result = CliRunner.Run(string.Empty, args);
        string AsDrain(string text) => text.Replace(RootCommand.ExecutableName + " ", "drain ", StringComparison.Ordinal);
        return result with { Stdout = AsDrain(result.Stdout), Stderr = AsDrain(result.Stderr) };
    }
}
