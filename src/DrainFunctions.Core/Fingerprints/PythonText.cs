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
    /// word-final capital sigma (to final sigma).
    /// </summary>
    public static string Lower(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        var runes = text.EnumerateRunes().ToArray();
        for (var i = 0; i < runes.Length; i++)
        {
            var rune = runes[i];
            switch (rune.Value)
            {
                case 0x0130:
                    builder.Append("i\u0307");
                    break;
                case 0x03A3:
                    builder.Append(IsFinalSigma(runes, i) ? '\u03C2' : '\u03C3');
                    break;
                default:
                    builder.Append(Rune.ToLowerInvariant(rune).ToString());
                    break;
            }
        }

        return builder.ToString();
    }

    // Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorable marks) and no
    // cased letter after.
    private static bool IsFinalSigma(Rune[] runes, int index)
    {
        var before = false;
        for (var j = index - 1; j >= 0; j--)
        {
            if (IsCaseIgnorable(runes[j]))
            {
                continue;
            }

            before = IsCased(runes[j]);
            break;
        }

        if (!before)
        {
            return false;
        }

        for (var j = index + 1; j < runes.Length; j++)
        {
            if (IsCaseIgnorable(runes[j]))
            {
                continue;
            }

            return !IsCased(runes[j]);
        }

        return true;
    }

    private static bool IsCased(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
        or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || rune.Value is '\'' or '.' or ':' or '^' or '`' or 0x00B7 or 0x2019;
}
