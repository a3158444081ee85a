using System.Globalization;

namespace DrainFunctions.Cli;

/// <summary>
/// A small argparse-like reader: <c>--flag value</c> and <c>--flag=value</c>, repeatable flags,
/// switches, and positional arguments. Every error names the flag and what it allows.
/// </summary>
public sealed class ArgReader
{
    private readonly List<(string Flag, string? Value)> flags = [];
    private readonly List<string> positionals = [];
    private readonly HashSet<string> consumed = new(StringComparer.Ordinal);

    /// <param name="args">The arguments.</param>
    /// <param name="switches">Flags that take no value.</param>
    public ArgReader(IEnumerable<string> args, IReadOnlySet<string> switches)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(switches);
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (arg == "--")
            {
                positionals.AddRange(list.Skip(i + 1));
                break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                positionals.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[..eq] : arg;
            if (switches.Contains(name))
            {
                if (eq > 0)
                {
                    throw UsageException.ForFlag(name, "ignored explicit argument (this flag takes no value)");
                }

                flags.Add((name, null));
            }
            else if (eq > 0)
            {
                flags.Add((name, arg[(eq + 1)..]));
            }
            else if (i + 1 < list.Count && !(list[i + 1].StartsWith("--", StringComparison.Ordinal) && list[i + 1].Length > 2))
            {
                flags.Add((name, list[++i]));
            }
            else
            {
                flags.Add((name, null));
            }
        }
    }

    public IReadOnlyList<string> Positionals => positionals;

    public bool Has(string flag)
    {
        consumed.Add(flag);
        return flags.Any(f => f.Flag == flag);
    }

    public string? Value(string flag)
    {
        consumed.Add(flag);
        var matches = flags.Where(f => f.Flag == flag).ToList();
        if (matches.Count == 0)
        {
            return null;
        }

        return matches[^1].Value ?? throw UsageException.ForFlag(flag, "expected one argument");
    }

    public IReadOnlyList<string> Strings(string flag)
    {
        consumed.Add(flag);
        return flags.Where(f => f.Flag == flag)
            .Select(f => f.Value ?? throw UsageException.ForFlag(flag, "expected one argument"))
            .ToList();
    }

    public int? WholeNumber(string flag, int minimum)
    {
        var text = Value(flag);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw UsageException.ForFlag(flag, $"invalid int value: '{text}' (allowed: an integer >= {minimum})");
        }

        return value >= minimum ? value : throw UsageException.ForFlag(flag, $"invalid value: {value} (allowed: an integer >= {minimum})");
    }

    /// <summary>An integer from <paramref name="minimum"/> to <paramref name="maximum"/>; <paramref name="meaning"/> explains the maximum.</summary>
    public int? WholeNumber(string flag, int minimum, int maximum, string meaning)
    {
        var text = Value(flag);
        if (text is null)
        {
            return null;
        }

        var allowed = string.Create(CultureInfo.InvariantCulture, $"allowed: an integer from {minimum} to {maximum} ({meaning})");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw UsageException.ForFlag(flag, $"invalid int value: '{Shorten(text)}' ({allowed})");
        }

        return value >= minimum && value <= maximum ? (int)value : throw UsageException.ForFlag(flag, string.Create(CultureInfo.InvariantCulture, $"invalid value: {value} ({allowed})"));
    }

    public double? PositiveNumber(string flag, double maximum = double.MaxValue, string? meaning = null)
    {
        var text = Value(flag);
        if (text is null)
        {
            return null;
        }

        var allowed = maximum < double.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"allowed: a number > 0 and <= {maximum} ({meaning})")
            : "allowed: a number > 0";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || double.IsInfinity(value))
        {
            throw UsageException.ForFlag(flag, $"invalid float value: '{Shorten(text)}' ({allowed})");
        }

        return value > 0 && value <= maximum ? value : throw UsageException.ForFlag(flag, $"invalid value: {Shorten(text)} ({allowed})");
    }

    /// <summary>A value as echoed in an error: long ones are cut, so a pasted file does not flood the terminal.</summary>
    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    public string? Choice(string flag, params string[] allowed)
    {
        var text = Value(flag);
        if (text is null || allowed.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        throw UsageException.ForFlag(flag, $"invalid choice: '{text}' (choose from {string.Join(", ", allowed.Select(a => $"'{a}'"))})");
    }

    /// <summary>Fails on any flag the command did not ask for.</summary>
    public void RejectUnknown(IEnumerable<string>? alsoKnown = null)
    {
        var known = new HashSet<string>(consumed, StringComparer.Ordinal);
        if (alsoKnown is not null)
        {
            known.UnionWith(alsoKnown);
        }

        var unknown = flags.Select(f => f.Flag).Where(f => !known.Contains(f)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unrecognized arguments: {string.Join(' ', unknown)}");
        }
    }
}
