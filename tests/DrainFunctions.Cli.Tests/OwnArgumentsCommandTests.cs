using System.CommandLine;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Tests;

/// <summary>
/// <see cref="CliCommands.WithOwnArguments"/>: a command that parses its own words (as the commands
/// written with ArgReader do) gets them as given, without the global flags.
/// </summary>
public sealed class OwnArgumentsCommandTests
{
    private const string Usage = "usage: drain cancel ID [--now]";

    [Fact]
    public async Task WithOwnArguments_WordsAndUnknownFlags_PassedInOrderWithoutGlobalFlags()
    {
        IReadOnlyList<string>? received = null;
        var root = new RootCommand();
        GlobalFlags.AddTo(root);
        root.Subcommands.Add(CliCommands.WithOwnArguments("cancel", "stop a drain", Usage, words =>
        {
            received = words;
            return Task.FromResult(3);
        }));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await FlagParsing.RunAsync(root, ["cancel", "batch-drain-20250101-000000", "--now", "--log-level", "debug", "--mode=x", "--verbose"], stdout, stderr);

        Assert.Equal(3, code);
        Assert.Equal(["batch-drain-20250101-000000", "--now", "--mode=x"], received);
        Assert.Empty(stderr.ToString());
    }

    [Fact]
    public async Task WithOwnArguments_Help_PrintsTheCommandsUsageAndRunsNothing()
    {
        var ran = false;
        var root = new RootCommand();
        CommandHelp.Install(root);
        root.Subcommands.Add(CliCommands.WithOwnArguments("cancel", "stop a drain", Usage, _ =>
        {
            ran = true;
            return Task.FromResult(3);
        }));
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter();

        var code = await FlagParsing.RunAsync(root, ["cancel", "--help"], stdout, stderr);

        Assert.Equal((0, false), (code, ran));
        Assert.Equal(Usage + "\n", stdout.ToString());
    }
}
