using System.Text.RegularExpressions;

namespace DrainFunctions.Core.Fingerprints;

/// <summary>
/// Normalizes an error message so that the same failure gives the same text whatever paths,
/// numbers, ids and timestamps it mentions. The rules and their order are those of the Python
/// tool; the order matters (a path swallows the digits in it before numbers are replaced).
/// </summary>
/// <remarks>
/// Python matches code points. Within the Basic Multilingual Plane a UTF-16 unit is a code point
/// and the regexes below, with Python's classes spelled out, match as Python does; text with a
/// surrogate pair goes to <see cref="CodePointRules"/> instead.
/// </remarks>
public static partial class ErrorNormalizer
{
    // Python's \w on str: letters, every numeric character and the underscore. .NET's \w differs
    // (it adds marks and connector punctuation, and lacks No/Nl), so the class is spelled out.
    private const string Word = @"\p{L}\p{N}_";

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\d{2}:\d{2}:\d{2}", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"[a-z]:\\[" + Word + @"\\.\-]+", RegexOptions.CultureInvariant)]
    private static partial Regex WindowsPathPattern();

    [GeneratedRegex(@"/[" + Word + @"/.\-]+", RegexOptions.CultureInvariant)]
    private static partial Regex UnixPathPattern();

    [GeneratedRegex(@"0x[0-9a-f]+", RegexOptions.CultureInvariant)]
    private static partial Regex AddressPattern();

    [GeneratedRegex(@"line \d+", RegexOptions.CultureInvariant)]
    private static partial Regex LineNumberPattern();

    [GeneratedRegex(@":\d+", RegexOptions.CultureInvariant)]
    private static partial Regex ColonNumberPattern();

    [GeneratedRegex(@"(session|run|batch|drain)-\d{8}-\d{6}", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    // Python's \b\d+\b, with Python's notion of a word character.
    [GeneratedRegex(@"(?<![" + Word + @"])\d+(?![" + Word + @"])", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    // Python's \s on str also matches U+001C..U+001F, which .NET's \s does not.
    [GeneratedRegex(@"[\s\u001C-\u001F]+", RegexOptions.CultureInvariant)]
    private static partial Regex WhitespacePattern();

    /// <summary>Applies the normalization rules, in the Python tool's order.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lowered = PythonText.Lower(text);
        return lowered.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? CodePointRules.Normalize(lowered) : NormalizeBmp(lowered);
    }

    /// <summary>Rules 2-11 on lower-cased text without surrogates.</summary>
    internal static string NormalizeBmp(string lowered)
    {
        var result = DatePattern().Replace(lowered, "date");
        result = TimePattern().Replace(result, "time");
        result = WindowsPathPattern().Replace(result, "path");
        result = UnixPathPattern().Replace(result, "path");
        result = AddressPattern().Replace(result, "addr");
        result = LineNumberPattern().Replace(result, "line num");
        result = ColonNumberPattern().Replace(result, ":num");
        result = IdPattern().Replace(result, "$1-id");
        result = NumberPattern().Replace(result, "num");
        result = WhitespacePattern().Replace(result, " ");
        return result.Trim(' ');
    }
}
