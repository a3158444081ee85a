using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace DrainFunctions.Flags;

/// <summary>
/// Options of every <c>drain</c> command, built so that a bad value is refused in the words the
/// Python tool's argparse used: <c>argument --flag: invalid int value: 'x' (allowed: ...)</c>.
/// A flag given twice takes its last value (argparse did; <c>drain demo</c> relies on it).
/// </summary>
public static class Flag
{
    /// <summary>A flag without a value.</summary>
    public static Option<bool> Switch(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.Zero,
    };

    /// <summary>A text value; the last one given wins.</summary>
    public static Option<string?> Text(string name, string helpName, string description) =>
        Valued<string>(name, helpName, description, (_, text) => text);

    /// <summary>A text value that may be given many times (<c>--skip-run-prefix A --skip-run-prefix B</c>).</summary>
    public static Option<IReadOnlyList<string>> Texts(string name, string helpName, string description, bool manyPerFlag = false)
    {
        var option = new Option<IReadOnlyList<string>>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = manyPerFlag,
            DefaultValueFactory = _ => [],
        };
        option.CustomParser = result => [.. result.Tokens.Select(t => t.Value)];
        return option;
    }

    /// <summary>One of <paramref name="allowed"/>, refused as argparse refused a bad choice.</summary>
    public static Option<string?> Choice(string name, string description, params string[] allowed)
    {
        var option = Valued<string>(name, string.Join('|', allowed), description, (result, text) =>
        {
            if (allowed.Contains(text, StringComparer.Ordinal))
            {
                return text;
            }

            result.AddError(FlagError.Text(name, $"invalid choice: '{FlagError.Shorten(text)}' (choose from {string.Join(", ", allowed.Select(a => $"'{a}'"))})"));
            return null;
        });
        option.CompletionSources.Add(allowed);
        return option;
    }

    /// <summary>
    /// An integer from <paramref name="minimum"/> to <paramref name="maximum"/>; <paramref name="meaning"/>
    /// explains the maximum, <paramref name="allowed"/> replaces the whole allowed phrase.
    /// </summary>
    public static Option<int?> WholeNumber(string name, string description, int minimum, int maximum = int.MaxValue, string? meaning = null, string? allowed = null, string helpName = "N")
    {
        allowed ??= maximum == int.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"allowed: an integer >= {minimum}")
            : string.Create(CultureInfo.InvariantCulture, $"allowed: an integer from {minimum} to {maximum}{(meaning is null ? string.Empty : $" ({meaning})")}");
        return Valued<int?>(name, helpName, description, (result, text) =>
        {
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                result.AddError(FlagError.Text(name, $"invalid int value: '{FlagError.Shorten(text)}' ({allowed})"));
                return null;
            }

            if (value < minimum || value > maximum)
            {
                result.AddError(FlagError.Text(name, string.Create(CultureInfo.InvariantCulture, $"invalid value: {value} ({allowed})")));
                return null;
            }

            return (int)value;
        });
    }

    /// <summary>
    /// A finite number above <paramref name="minimum"/> (or from it, with <paramref name="inclusiveMinimum"/>)
    /// and at most <paramref name="maximum"/>; <paramref name="meaning"/> explains the maximum.
    /// </summary>
    public static Option<double?> Number(string name, string description, double minimum = 0, double maximum = double.MaxValue, string? meaning = null, bool inclusiveMinimum = false, string helpName = "X")
    {
        var allowed = (inclusiveMinimum, maximum < double.MaxValue) switch
        {
            (false, false) => string.Create(CultureInfo.InvariantCulture, $"allowed: a number > {minimum}"),
            (false, true) => string.Create(CultureInfo.InvariantCulture, $"allowed: a number > {minimum} and <= {maximum}{(meaning is null ? string.Empty : $" ({meaning})")}"),
            (true, false) => string.Create(CultureInfo.InvariantCulture, $"allowed: a number >= {minimum}"),
            (true, true) => string.Create(CultureInfo.InvariantCulture, $"allowed: a number from {minimum} to {maximum}{(meaning is null ? string.Empty : $" ({meaning})")}"),
        };
        return Valued<double?>(name, helpName, description, (result, text) =>
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || double.IsInfinity(value))
            {
                result.AddError(FlagError.Text(name, $"invalid float value: '{FlagError.Shorten(text)}' ({allowed})"));
                return null;
            }

            if ((inclusiveMinimum ? value < minimum : value <= minimum) || value > maximum)
            {
                result.AddError(FlagError.Text(name, $"invalid value: {FlagError.Shorten(text)} ({allowed})"));
                return null;
            }

            return value;
        });
    }

    /// <summary>A flag with one value (the last one when given twice), converted by <paramref name="convert"/>.</summary>
    public static Option<T?> Valued<T>(string name, string helpName, string description, Func<ArgumentResult, string, T?> convert)
    {
        ArgumentNullException.ThrowIfNull(convert);
        var option = new Option<T?>(name)
        {
            Description = description,
            HelpName = helpName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        option.CustomParser = result => result.Tokens.Count == 0 ? default : convert(result, result.Tokens[^1].Value);
        return option;
    }
}
