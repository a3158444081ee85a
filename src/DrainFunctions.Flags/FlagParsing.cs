using System.CommandLine;

namespace DrainFunctions.Flags;

/// <summary>How every drain command line is parsed and run.</summary>
public static class FlagParsing
{
    /// <summary>
    /// No response files (<c>@file</c> is an argument, as it was) and no bundling of short flags.
    /// </summary>
    public static ParserConfiguration Configuration { get; } = new()
    {
        EnablePosixBundling = false,
        ResponseFileTokenReplacer = null,
    };

    /// <summary>
    /// Output to the given writers; exceptions reach the caller (which says what failed); Ctrl-C
    /// is the drain's own (two steps), so System.CommandLine does not handle it.
    /// </summary>
    public static InvocationConfiguration Invocation(TextWriter stdout, TextWriter stderr) => new()
    {
        Output = stdout,
        Error = stderr,
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    };

    /// <summary>
    /// Parses and runs <paramref name="root"/>: a usage error is printed as <c>drain: error: ...</c>
    /// (with a hint after an unknown flag) and gives exit code 2.
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(stderr);
        var parsed = root.Parse(args, Configuration);
        if (!ClearsErrors(parsed) && ParseErrorText.Describe(parsed, args) is { } message)
        {
            WriteUsageError(stderr, parsed, message);
            return 2;
        }

        return await parsed.InvokeAsync(Invocation(stdout, stderr), cancellationToken);
    }

    /// <summary>
    /// For programs that run their own body after parsing: false when parsing already answered
    /// (help or version printed: exit 0; a usage error printed: exit 2), with the exit code.
    /// </summary>
    public static bool TryParse(RootCommand root, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, out ParseResult parsed, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(stderr);
        parsed = root.Parse(args, Configuration);
        exitCode = 0;
        if (ClearsErrors(parsed))
        {
            exitCode = parsed.Invoke(Invocation(stdout, stderr));
            return false;
        }

        if (ParseErrorText.Describe(parsed, args) is { } message)
        {
            WriteUsageError(stderr, parsed, message);
            exitCode = 2;
            return false;
        }

        return true;
    }

    /// <summary>Whether what was asked (help, version, completions) is answered despite other errors.</summary>
    public static bool ClearsErrors(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.Action is { ClearsParseErrors: true };
    }

    public static void WriteUsageError(TextWriter stderr, ParseResult? parsed, string message)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        stderr.WriteLine($"drain: error: {message}");
        if (parsed is not null && ParseErrorText.IsUnrecognized(message))
        {
            stderr.WriteLine($"drain: {ParseErrorText.UnrecognizedHint(parsed)}");
        }
    }
}
