using System.Globalization;
using System.Text;

namespace DrainFunctions.Core.Fingerprints;

/// <summary>
/// String operations with the semantics of Python's <c>str</c>, which the original tool used:
/// lengths and slices count Unicode code points, and <c>lower()</c> applies full case mapping.
/// </summary>
public static class PythonText
{
    /// <summary>Python's <c>s[:count]</c>: the first <paramref name="count"/> code points.</summary>
    public static string TakeCodePoints(string text, int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (count <= 0)
        {
            return string.Empty;
        }

        // Fast path: no surrogates before the cut means UTF-16 units equal code points.
        if (text.Length <= count)
        {
            return text;
        }

        var units = 0;
        var points = 0;
        while (units < text.Length && points < count)
        {
            units += char.IsHighSurrogate(text[units]) && units + 1 < text.Length && char.IsLowSurrogate(text[units + 1]) ? 2 : 1;
            points++;
        }

        return text[..units];
    }

    /// <summary>Python's <c>len(s)</c>.</summary>
    public static int CodePointLength(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var points = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }

            points++;
        }

        return points;
    }

    /// <summary>
    /// Python's <c>str.lower()</c>. .NET's invariant lower-casing uses simple case mapping; Python
    /// uses the full mapping, which differs for U+0130 (to "i" + combining dot) and for a
    /// word-final capital sigma (to final sigma). A lone surrogate stays as it is, as in Python.
    /// </summary>
    public static string Lower(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }

        var points = new List<int>(text.Length);
        for (var i = 0; i < text.Length;)
        {
            points.Add(CodePointAt(text, i, out var width));
            i += width;
        }

        var builder = new StringBuilder(text.Length);
        Span<char> units = stackalloc char[2];
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            switch (point)
            {
                case < 0x80:
                    builder.Append(point is >= 'A' and <= 'Z' ? (char)(point + 32) : (char)point);
                    break;
                case 0x0130:
                    builder.Append("i\u0307");
                    break;
                case 0x03A3:
                    builder.Append(IsFinalSigma(points, i) ? '\u03C2' : '\u03C3');
                    break;
                case >= 0xD800 and <= 0xDFFF:
                    builder.Append((char)point);
                    break;
                default:
                    builder.Append(units[..Rune.ToLowerInvariant(new Rune(point)).EncodeToUtf16(units)]);
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The code point at <paramref name="index"/> (a UTF-16 index) and how many units it takes: 2
    /// for a surrogate pair, else 1 (a lone surrogate is a code point of its own, as in Python).
    /// </summary>
    public static int CodePointAt(string text, int index, out int width)
    {
        ArgumentNullException.ThrowIfNull(text);
        var unit = text[index];
        if (char.IsHighSurrogate(unit) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(unit, text[index + 1]);
        }

        width = 1;
        return unit;
    }

    /// <summary>The code point that ends just before <paramref name="index"/> (which must be > 0).</summary>
    public static int CodePointBefore(string text, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        var unit = text[index - 1];
        return char.IsLowSurrogate(unit) && index >= 2 && char.IsHighSurrogate(text[index - 2])
            ? char.ConvertToUtf32(text[index - 2], unit)
            : unit;
    }

    /// <summary>UTF-16 units of the code point at <paramref name="index"/>.</summary>
    public static int WidthAt(string text, int index)
    {
        ArgumentNullException.ThrowIfNull(text);
        return char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
    }

    /// <summary>Python's <c>\d</c> on <c>str</c>: a decimal digit (category Nd), in any script and plane.</summary>
    public static bool IsDigit(int codePoint) => codePoint < 0x80
        ? codePoint is >= '0' and <= '9'
        : CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.DecimalDigitNumber;

    /// <summary>
    /// Python's <c>\w</c> on <c>str</c>: <c>str.isalnum()</c> or the underscore. isalnum is a
    /// letter (Lu, Ll, Lt, Lm, Lo) or a character with a numeric value, which is every Nd, Nl and
    /// No character (the others with a numeric value are Han ideographs, already letters). .NET's
    /// own <c>\w</c> differs: it adds marks and connector punctuation and lacks Nl/No.
    /// </summary>
    public static bool IsWordChar(int codePoint) => codePoint < 0x80
        ? codePoint is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'
        : CharUnicodeInfo.GetUnicodeCategory(codePoint) is
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary>
    /// Python's <c>\s</c> on <c>str</c>: <c>str.isspace()</c>, which for ASCII includes the
    /// separators U+001C..U+001F, and beyond it is a space separator (Zs), U+0085, U+2028 or
    /// U+2029 (bidirectional class WS, B or S). None is outside the Basic Multilingual Plane.
    /// </summary>
    public static bool IsSpace(int codePoint) => codePoint < 0x80
        ? codePoint is ' ' or (>= '\t' and <= '\r') or (>= 0x1C and <= 0x1F)
        : codePoint is 0x85 or 0x2028 or 0x2029
          || CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.SpaceSeparator;

    // Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorable marks) and no
    // cased letter after.
    private static bool IsFinalSigma(List<int> points, int index)
    {
        var before = false;
        for (var j = index - 1; j >= 0; j--)
        {
            if (IsCaseIgnorable(points[j]))
            {
                continue;
            }

            before = IsCased(points[j]);
            break;
        }

        if (!before)
        {
            return false;
        }

        for (var j = index + 1; j < points.Count; j++)
        {
            if (IsCaseIgnorable(points[j]))
            {
                continue;
            }

            return !IsCased(points[j]);
        }

        return true;
    }

    private static bool IsCased(int point) => CharUnicodeInfo.GetUnicodeCategory(point) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(int point) => CharUnicodeInfo.GetUnicodeCategory(point) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
        or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || point is '\'' or '.' or ':' or '^' or '`' or 0x00B7 or 0x2019;
}
