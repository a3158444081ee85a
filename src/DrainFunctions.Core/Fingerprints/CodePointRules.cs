using System.Text;

namespace DrainFunctions.Core.Fingerprints;

/// <summary>
/// The normalization rules as matchers over code points, for text with characters outside the
/// Basic Multilingual Plane. Python's <c>re</c> works on code points, .NET's <c>Regex</c> on
/// UTF-16 units: a digit or letter beyond the BMP (<c>𝟙</c>, U+1D7D9) is one character to Python
/// and two surrogates, neither a digit nor a letter, to a .NET regex. Each rule keeps the regex
/// semantics of the original (leftmost match, greedy, scanning on after each replacement) with
/// Python's <c>\d</c>, <c>\w</c> and <c>\s</c> from <see cref="PythonText"/>.
/// </summary>
/// <remarks>
/// The regexes of <see cref="ErrorNormalizer"/> stay the path for BMP-only text (almost every
/// message): they are about four times faster. Tests hold both paths to the same results.
/// </remarks>
internal static class CodePointRules
{
    private delegate int Matcher(string text, int index, out string replacement);

    private static readonly string[] IdWords = ["session", "run", "batch", "drain"];

    /// <summary>Rules 2-11 on text that is already lower-cased.</summary>
    public static string Normalize(string lowered)
    {
        var result = Replace(lowered, Date);
        result = Replace(result, Time);
        result = Replace(result, WindowsPath);
        result = Replace(result, UnixPath);
        result = Replace(result, Address);
        result = Replace(result, LineNumber);
        result = Replace(result, ColonNumber);
        result = Replace(result, RunId);
        result = Replace(result, StandaloneNumber);
        result = Replace(result, Whitespace);
        return result.Trim(' ');
    }

    /// <summary>Python's <c>re.sub</c> for a pattern that never matches the empty string.</summary>
    private static string Replace(string text, Matcher matcher)
    {
        StringBuilder? builder = null;
        var copied = 0;
        var index = 0;
        while (index < text.Length)
        {
            var end = matcher(text, index, out var replacement);
            if (end > index)
            {
                builder ??= new StringBuilder(text.Length);
                builder.Append(text, copied, index - copied).Append(replacement);
                index = copied = end;
                continue;
            }

            // Python tries the next code point, never the low half of a surrogate pair.
            index += PythonText.WidthAt(text, index);
        }

        return builder is null ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }

    // \d{4}-\d{2}-\d{2}
    private static int Date(string text, int index, out string replacement)
    {
        replacement = "date";
        var at = Digits(text, index, 4);
        at = Literal(text, at, "-");
        at = Digits(text, at, 2);
        at = Literal(text, at, "-");
        return Digits(text, at, 2);
    }

    // \d{2}:\d{2}:\d{2}
    private static int Time(string text, int index, out string replacement)
    {
        replacement = "time";
        var at = Digits(text, index, 2);
        at = Literal(text, at, ":");
        at = Digits(text, at, 2);
        at = Literal(text, at, ":");
        return Digits(text, at, 2);
    }

    // [a-z]:\\[\w\\.\-]+
    private static int WindowsPath(string text, int index, out string replacement)
    {
        replacement = "path";
        if (text[index] is < 'a' or > 'z')
        {
            return -1;
        }

        var at = Literal(text, index + 1, ":\\");
        return Run(text, at, static c => PythonText.IsWordChar(c) || c is '\\' or '.' or '-');
    }

    // /[\w/.\-]+
    private static int UnixPath(string text, int index, out string replacement)
    {
        replacement = "path";
        var at = Literal(text, index, "/");
        return Run(text, at, static c => PythonText.IsWordChar(c) || c is '/' or '.' or '-');
    }

    // 0x[0-9a-f]+
    private static int Address(string text, int index, out string replacement)
    {
        replacement = "addr";
        var at = Literal(text, index, "0x");
        return Run(text, at, static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
    }

    // line \d+
    private static int LineNumber(string text, int index, out string replacement)
    {
        replacement = "line num";
        return Run(text, Literal(text, index, "line "), PythonText.IsDigit);
    }

    // :\d+
    private static int ColonNumber(string text, int index, out string replacement)
    {
        replacement = ":num";
        return Run(text, Literal(text, index, ":"), PythonText.IsDigit);
    }

    // (session|run|batch|drain)-\d{8}-\d{6} -> \1-id
    private static int RunId(string text, int index, out string replacement)
    {
        foreach (var word in IdWords)
        {
            var at = Literal(text, index, word);
            at = Literal(text, at, "-");
            at = Digits(text, at, 8);
            at = Literal(text, at, "-");
            at = Digits(text, at, 6);
            if (at >= 0)
            {
                replacement = word + "-id";
                return at;
            }
        }

        replacement = string.Empty;
        return -1;
    }

    // \b\d+\b. The digits are word characters, so the boundaries mean: no word character just
    // before, and none just after the whole run (backtracking to a shorter run only puts a digit,
    // a word character, after it).
    private static int StandaloneNumber(string text, int index, out string replacement)
    {
        replacement = "num";
        if (index > 0 && PythonText.IsWordChar(PythonText.CodePointBefore(text, index)))
        {
            return -1;
        }

        var end = Run(text, index, PythonText.IsDigit);
        return end >= 0 && (end == text.Length || !PythonText.IsWordChar(PythonText.CodePointAt(text, end, out _))) ? end : -1;
    }

    // \s+
    private static int Whitespace(string text, int index, out string replacement)
    {
        replacement = " ";
        return Run(text, index, PythonText.IsSpace);
    }

    /// <summary>The end of <paramref name="literal"/> at <paramref name="at"/>, or -1 (also when <paramref name="at"/> is -1).</summary>
    private static int Literal(string text, int at, string literal) =>
        at >= 0 && text.AsSpan(at).StartsWith(literal, StringComparison.Ordinal) ? at + literal.Length : -1;

    /// <summary>The end of exactly <paramref name="count"/> digits at <paramref name="at"/>, or -1.</summary>
    private static int Digits(string text, int at, int count)
    {
        for (var i = 0; i < count && at >= 0; i++)
        {
            at = at < text.Length && PythonText.IsDigit(PythonText.CodePointAt(text, at, out var width)) ? at + width : -1;
        }

        return at;
    }

    /// <summary>The end of the longest non-empty run of code points in the class at <paramref name="at"/>, or -1.</summary>
    private static int Run(string text, int at, Func<int, bool> inClass)
    {
        if (at < 0)
        {
            return -1;
        }

        var end = at;
        while (end < text.Length && inClass(PythonText.CodePointAt(text, end, out var width)))
        {
            end += width;
        }

        return end > at ? end : -1;
    }
}
