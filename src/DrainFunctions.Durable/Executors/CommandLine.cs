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
    /// <summary>
    /// The placeholders a template may use, filled per phase by <see cref="ProcessExecutor.BuildArguments"/>.
    /// The one list the validators and their messages read (a test checks that the executor fills each).
    /// </summary>
    public static readonly IReadOnlyList<string> Placeholders = ["run_id", "phase_id", "phase_index", "session_id", "slot", "api_url", "workspace"];

    /// <summary><c>{run_id}, {phase_id}, ...</c>, for messages.</summary>
    public static string AllowedPlaceholders => string.Join(", ", Placeholders.Select(p => "{" + p + "}"));

    /// <summary>
    /// Everything wrong with a template's text, each a sentence for a message; empty when it can be
    /// run. A <c>{name}</c> that is not a placeholder would be passed literally and waste an attempt,
    /// so it is refused; braces around anything else than a name (<c>{}</c>, JSON) stay literal.
    /// </summary>
    public static IReadOnlyList<string> TemplateProblems(string? template)
    {
        if (string.IsNullOrWhiteSpace(template))
        {
            return ["must not be empty (e.g. " + ExampleTemplate + ")"];
        }

        IReadOnlyList<string> words;
        try
        {
            words = Split(template);
        }
        catch (FormatException ex)
        {
            return [ex.Message];
        }

        if (words.Count == 0 || words[0].Length == 0)
        {
            return ["has no command to run (e.g. " + ExampleTemplate + ")"];
        }

        var unknown = words.SelectMany(NamesInBraces).Where(n => !Placeholders.Contains(n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        return unknown.Count == 0
            ? []
            : [$"unknown placeholder{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(n => "{" + n + "}"))} (allowed: {AllowedPlaceholders})"];
    }

    private const string ExampleTemplate = "python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force";

    /// <summary>The <c>{name}</c> parts of a word, found as <see cref="Fill"/> finds them.</summary>
    private static IEnumerable<string> NamesInBraces(string word)
    {
        for (var i = word.IndexOf('{', StringComparison.Ordinal); i >= 0; i = word.IndexOf('{', i + 1))
        {
            var close = word.IndexOf('}', i + 1);
            if (close < 0)
            {
                yield break;
            }

            var name = word[(i + 1)..close];
            if (name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                yield return name;
            }
        }
    }

    /// <summary>
    /// Finds the program a template runs (its first word), as a shell started in
    /// <paramref name="workspace"/> would: a name without a slash on <c>PATH</c>, a path with a slash
    /// relative to the workspace. Null path and null error: the word holds a placeholder and can
    /// only be known per phase.
    /// </summary>
    public static (string? Path, string? Error) FindExecutable(string template, string workspace, string? searchPath = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var word = Split(template)[0];
        if (NamesInBraces(word).Any())
        {
            return (null, null);
        }

        var hasSlash = word.Contains('/', StringComparison.Ordinal) || word.Contains(System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!hasSlash)
        {
            foreach (var dir in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = System.IO.Path.Combine(dir, word);
                if (File.Exists(candidate) && IsExecutable(candidate))
                {
                    return (System.IO.Path.GetFullPath(candidate), null);
                }
            }

            return (null, $"executable '{word}' not found on PATH (a program in the workspace is written ./{word})");
        }

        var full = System.IO.Path.IsPathRooted(word) ? word : System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetFullPath(workspace), word));
        var where = System.IO.Path.IsPathRooted(word) ? string.Empty : $" (relative to the workspace: {full})";
        if (Directory.Exists(full))
        {
            return (null, $"executable '{word}' is a directory{where}");
        }

        if (!File.Exists(full))
        {
            return (null, $"executable '{word}' does not exist{where}");
        }

        return IsExecutable(full) ? (full, null) : (null, $"executable '{word}' is not executable{where}; chmod +x it or run it through its interpreter (e.g. bash {word})");
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    /// <summary>
    /// The template with its first word replaced by <paramref name="executable"/>; the other words
    /// are kept (each quoted as needed, so splitting the result gives the same words back).
    /// </summary>
    public static string WithExecutable(string template, string executable)
    {
        var words = Split(template).ToList();
        words[0] = executable;
        return string.Join(' ', words.Select(Quote));
    }

    /// <summary>A word as POSIX quoting keeps it: bare when it has only safe characters, else single-quoted.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,{}".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
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
