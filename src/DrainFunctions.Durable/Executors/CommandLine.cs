using System.Globalization;
using System.Text;

namespace DrainFunctions.Durable.Executors;

/// <summary>
/// Splits a command template into words the way a POSIX shell does (quotes, backslashes, white
/// space) and fills the placeholders inside each word. Nothing is ever run through a shell: the
/// words go to <see cref="System.Diagnostics.ProcessStartInfo.ArgumentList"/>, so a value such as
/// <c>x; rm -rf /</c> stays one argument.
/// </summary>
public static class CommandLine
{
    /// <summary>Word splitting with POSIX quoting; no expansions (<c>$</c>, globs) are performed.</summary>
    public static IReadOnlyList<string> Split(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            switch (c)
            {
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                case '\\':
                    if (i + 1 >= template.Length)
                    {
                        throw new FormatException("the template ends with a lone backslash");
                    }

                    i++;
                    if (template[i] != '\n')
                    {
                        current.Append(template[i]);
                        inWord = true;
                    }

                    break;
                case '\'':
                    {
                        var end = template.IndexOf('\'', i + 1);
                        if (end < 0)
                        {
                            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"unterminated single quote at position {i + 1}"));
                        }

                        current.Append(template, i + 1, end - i - 1);
                        inWord = true;
                        i = end;
                        break;
                    }

                case '"':
                    {
                        var start = i;
                        i++;
                        while (true)
                        {
                            if (i >= template.Length)
                            {
                                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"unterminated double quote at position {start + 1}"));
                            }

                            var d = template[i];
                            if (d == '"')
                            {
                                break;
                            }

                            if (d == '\\' && i + 1 < template.Length && template[i + 1] is '$' or '`' or '"' or '\\' or '\n')
                            {
                                i++;
                                if (template[i] != '\n')
                                {
                                    current.Append(template[i]);
                                }
                            }
                            else
                            {
                                current.Append(d);
                            }

                            i++;
                        }

                        inWord = true;
                        break;
                    }

                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>Splits the template, then replaces <c>{name}</c> placeholders inside each word.</summary>
    public static IReadOnlyList<string> Build(string template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Split(template).Select(word => Fill(word, values)).ToList();
    }

    public static string Fill(string word, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(values);
        if (!word.Contains('{', StringComparison.Ordinal))
        {
            return word;
        }

        // One pass, left to right, so a value that itself contains "{phase_id}" is not expanded again.
        var sb = new StringBuilder(word.Length);
        var i = 0;
        while (i < word.Length)
        {
            if (word[i] == '{')
            {
                var close = word.IndexOf('}', i + 1);
                if (close > i && values.TryGetValue(word[(i + 1)..close], out var value))
                {
                    sb.Append(value);
                    i = close + 1;
                    continue;
                }
            }

            sb.Append(word[i]);
            i++;
        }

        return sb.ToString();
    }
}
