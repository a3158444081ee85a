using System.CommandLine;
using System.CommandLine.Parsing;

namespace DrainFunctions.Flags;

/// <summary>
/// The one message of a failed parse, in argparse's words: our options write theirs
/// (<see cref="Flag"/>); System.CommandLine's own errors (an unknown flag, a flag without its
/// value, a missing subcommand) are said here the way the hand-written parsers said them.
/// </summary>
public static class ParseErrorText
{
    /// <summary>The message, or null when the parse succeeded; <paramref name="args"/> are the words as given.</summary>
    public static string? Describe(ParseResult result, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(args);
        if (result.Errors.Count == 0)
        {
            return null;
        }

        // --dry-run=x: System.CommandLine splits it and finds x unmatched; argparse named the flag.
        var switches = Ancestry(result.CommandResult).SelectMany(c => c.Options).Where(o => o.Arity.MaximumNumberOfValues == 0)
            .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        if (args.FirstOrDefault(a => a.Contains('=', StringComparison.Ordinal) && switches.Contains(a[..a.IndexOf('=', StringComparison.Ordinal)])) is { } explicitValue)
        {
            return FlagError.Text(explicitValue[..explicitValue.IndexOf('=', StringComparison.Ordinal)], "ignored explicit argument (this flag takes no value)");
        }

        if (result.Errors.FirstOrDefault(e => e.Message.StartsWith("argument ", StringComparison.Ordinal)) is { } ours)
        {
            return ours.Message;
        }

        foreach (var error in result.Errors)
        {
            if (OptionOf(error.SymbolResult) is { } option && option.Tokens.Count == 0 && option.Option.Arity.MinimumNumberOfValues > 0)
            {
                return FlagError.Text(option.Option.Name, "expected one argument");
            }
        }

        var command = result.CommandResult.Command;
        var unmatched = result.UnmatchedTokens;
        var choices = command.Subcommands.Where(c => !c.Hidden).Select(c => $"'{c.Name}'").ToList();
        if (command.Subcommands.Count > 0 && command.Action is null && (unmatched.Count == 0 || !IsFlag(unmatched[0])))
        {
            var given = unmatched.Count > 0 ? unmatched[0] : string.Empty;
            return FlagError.Text(command.Name, $"invalid choice: '{FlagError.Shorten(given)}' (choose from {string.Join(", ", choices)})");
        }

        if (unmatched.Count > 0)
        {
            var flags = unmatched.Where(IsFlag).ToList();
            return $"unrecognized arguments: {string.Join(' ', flags.Count > 0 ? flags : unmatched)}";
        }

        if (result.Errors.Select(e => e.SymbolResult).OfType<ArgumentResult>().FirstOrDefault() is { } argument)
        {
            return argument.Tokens.Count == 0
                ? $"the following arguments are required: {argument.Argument.Name}"
                : FlagError.Text(argument.Argument.Name, "too many values");
        }

        return result.Errors[0].Message;
    }

    /// <summary>Whether the message is about words the command does not know (its help shows the ones it does).</summary>
    public static bool IsUnrecognized(string message) => message.StartsWith("unrecognized arguments:", StringComparison.Ordinal);

    /// <summary>A hint after an unknown flag: the nearest known flag, else the command's flags.</summary>
    public static string UnrecognizedHint(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var command = result.CommandResult.Command;
        var known = Ancestry(result.CommandResult).SelectMany(c => c.Options.Where(o => !o.Hidden && (o.Recursive || c == command)))
            .Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct().ToList();
        var path = string.Join(' ', Ancestry(result.CommandResult).Reverse().Select(c => c.Name));
        var unknown = result.UnmatchedTokens.FirstOrDefault(IsFlag);
        if (unknown is not null && known.Where(k => Distance(k, unknown.Split('=')[0]) <= 2).OrderBy(k => Distance(k, unknown)).FirstOrDefault() is { } near)
        {
            return $"did you mean {near}? ({path} --help lists its flags)";
        }

        return $"{path} takes: {string.Join(", ", known)} ({path} --help explains them)";
    }

    private static IEnumerable<Command> Ancestry(CommandResult? result)
    {
        for (var current = result; current is not null; current = current.Parent as CommandResult)
        {
            yield return current.Command;
        }
    }

    private static OptionResult? OptionOf(SymbolResult? symbol) => symbol switch
    {
        OptionResult option => option,
        ArgumentResult { Parent: OptionResult option } => option,
        _ => null,
    };

    private static bool IsFlag(string token) => token.StartsWith('-') && token.Length > 1 && !double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _);

    /// <summary>Edit distance, for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
