using DrainFunctions.Core.Fingerprints;

namespace DrainFunctions.Core.Tests.Fingerprints;

public class ErrorNormalizerTests
{
    [Theory]
    // The seed's and the reference page's examples.
    [InlineData(@"ImportError at line 123: cannot import module from c:\dev\Autopack\file.py:456", "importerror at line num: cannot import module from path:num")]
    [InlineData(@"ImportError at line 123: cannot import module from c:\\dev\\Autopack\\file.py:456", "importerror at line num: cannot import module from path:num")]
    [InlineData("Error at 2025-12-28 16:22:03", "error at date time")]
    [InlineData("CI collection/import error", "ci collectionpath error")]
    // Unix paths swallow digits before numbers are replaced.
    [InlineData("No such file: /app/run-17/src/mod_2.py", "no such file: path")]
    [InlineData("failed reading ./build/out.log", "failed reading .path")]
    // Addresses, line numbers, ports, ids.
    [InlineData("Segfault at 0x7ffee1c2a8 in worker", "segfault at addr in worker")]
    [InlineData("connect to db:5432 refused", "connect to db:num refused")]
    [InlineData("batch-drain-20251228-060007 failed", "batch-drain-id failed")]
    [InlineData("session-20251228-060007 and run-20250101-000000", "session-id and run-id")]
    [InlineData("drain-20251228-060007x", "drain-idx")]
    // Stand-alone numbers only; digits inside words stay.
    [InlineData("retry 3 of 10 for phase2 v1.2", "retry num of num for phase2 v1.num")]
    [InlineData("error 42", "error num")]
    [InlineData("x42 42x 42", "x42 42x num")]
    // Whitespace runs, trimming, Python's extra separators U+001C..U+001F.
    [InlineData("  many\t\tspaces\n\nhere  ", "many spaces here")]
    [InlineData("a\u001Cb\u00A0c\u3000d", "a b c d")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    // Unicode: digits of other scripts are digits; case mapping is Python's full mapping.
    [InlineData("Fehler \u0661\u0662\u0663 gefunden", "fehler num gefunden")]
    [InlineData("\u0130STANBUL", "i\u0307stanbul")]
    [InlineData("\u039F\u0394\u039F\u03A3 \u03A3", "\u03BF\u03B4\u03BF\u03C2 \u03C3")]
    [InlineData("Zeile \u00B2 ok", "zeile \u00B2 ok")]
    public void Normalize_Example_MatchesPythonTool(string input, string expected)
    {
        Assert.Equal(expected, ErrorNormalizer.Normalize(input));

        // The code-point matchers (the path for text beyond the BMP) give the same on BMP text.
        Assert.Equal(expected, CodePointRules.Normalize(PythonText.Lower(input)));
    }

    // Expected values are Python 3.11's (the tool's normalize_error_text) on the same strings.
    [Theory]
    // Mathematical double-struck digits (U+1D7D9...) and Osmanya digits (U+104A0...) are \d.
    [InlineData("Fehler \U0001D7D9\U0001D7DA\U0001D7DB gefunden", "fehler num gefunden")]
    [InlineData("at \U0001D7DA\U0001D7D8\U0001D7DA\U0001D7DD-\U0001D7D9\U0001D7DA-\U0001D7DA\U0001D7E0 \U0001D7D9\U0001D7DE:\U0001D7DA\U0001D7DA:\U0001D7D8\U0001D7DB", "at date time")]
    [InlineData("error at line \U0001D7D9\U0001D7DA in mod:\U0001D7E1\U0001D7E1", "error at line num in mod:num")]
    [InlineData("run-\U0001D7DA\U0001D7D8\U0001D7DA\U0001D7DD\U0001D7D9\U0001D7DA\U0001D7DA\U0001D7E0-\U0001D7D8\U0001D7DE\U0001D7D8\U0001D7D8\U0001D7D8\U0001D7DF failed", "run-id failed")]
    [InlineData("1\U00010107 \U00010107 7 \U000104A3", "1\U00010107 \U00010107 num num")]
    // Letters beyond the BMP (Deseret U+10400, lower-cased to U+10428) are \w: no \b beside them.
    [InlineData("\U00010400\U0001D7D9\U0001D7DA x\U0001D7D9 \U0001D7D9\U0001D7DA\U00010400 \U0001D7D9\U0001D7DA", "\U00010428\U0001D7D9\U0001D7DA x\U0001D7D9 \U0001D7D9\U0001D7DA\U00010428 num")]
    [InlineData("\U00010400 12 12\U00010400 x12", "\U00010428 num 12\U00010428 x12")]
    [InlineData("open /tmp/\U00010400\U0001D7D9/f.py and c:\\dev\\\U0001D400\U0001D7D9\\g.py now", "open path and path now")]
    [InlineData("\U0001D400BC DEF", "\U0001D400bc def")]
    // An emoji is neither \w nor \s: numbers beside it stand alone, and it is not collapsed.
    [InlineData("1\U0001F6002 a\U0001F600b", "num\U0001F600num a\U0001F600b")]
    // No code point beyond the BMP is \s; the BMP separators around an astral digit still collapse.
    [InlineData("tab\t\U0001D7D9\u3000\u2029end", "tab num end")]
    public void Normalize_CodePointsBeyondBmp_MatchesPythonTool(string input, string expected)
    {
        Assert.Equal(expected, ErrorNormalizer.Normalize(input));
    }

    [Fact]
    public void Normalize_LoneSurrogate_KeptAsOneNonWordCodePoint()
    {
        // Python keeps a lone surrogate (from surrogateescape or a JSON \ud800 escape) as it is.
        Assert.Equal("\uD800 num", ErrorNormalizer.Normalize("\uD800 12"));
        Assert.Equal("num\uDC00", ErrorNormalizer.Normalize("12\uDC00"));
    }

    [Fact]
    public void CodePointRules_RandomBmpText_MatchesRegexPath()
    {
        // Fragments that start, end or break every rule, in many scripts and classes.
        string[] fragments =
        [
            "0", "1", "7", "42", "2025", "12", "\u0663", "\u00B2", "\u2167", "a", "f", "x", "z", "\u00E9", "\u03C3", "_", "-", ":", "/",
            "\\", ".", " ", "\t", "\n", "\u3000", "\u00A0", "\u001C", "\u0085", "line ", "0x", "session-", "run-", "batch-",
            "drain-", "c:\\", "2025-12-28", "16:22:03", "20251228", "060007", "\u0301", "\u200B", "(", "'",
        ];
        var random = new Random(20251228);
        for (var i = 0; i < 20_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 24)).Select(_ => fragments[random.Next(fragments.Length)]));
            var lowered = PythonText.Lower(text);

            Assert.Equal(ErrorNormalizer.NormalizeBmp(lowered), CodePointRules.Normalize(lowered));
        }
    }

    [Fact]
    public void Normalize_TimeBeforeColonNumber_AppliesRulesInOrder()
    {
        // Rule 3 (time) runs before rule 8 (:num); the other order would give "num:num:num".
        Assert.Equal("at time", ErrorNormalizer.Normalize("at 10:22:03"));
        Assert.Equal("at num:num", ErrorNormalizer.Normalize("at 10:22"));
    }

    [Fact]
    public void Normalize_WindowsPathWithUnicodeFolder_IsOnePath()
    {
        Assert.Equal("open path failed", ErrorNormalizer.Normalize(@"Open D:\Users\Jürgen\données\f.txt failed"));
    }
}

public class PythonTextTests
{
    [Fact]
    public void TakeCodePoints_SurrogatePairs_CountsCodePointsNotUnits()
    {
        var text = string.Concat(Enumerable.Repeat("\U0001F600", 5));
        var taken = PythonText.TakeCodePoints(text, 3);
        Assert.Equal(6, taken.Length);
        Assert.Equal(3, PythonText.CodePointLength(taken));
    }

    [Theory]
    [InlineData(0x1D7D9, true, true, false)]
    [InlineData(0x104A3, true, true, false)]
    [InlineData(0x10107, false, true, false)]
    [InlineData(0x10400, false, true, false)]
    [InlineData(0x1D400, false, true, false)]
    [InlineData(0x16EE, false, true, false)]
    [InlineData(0x1F600, false, false, false)]
    [InlineData(0x0301, false, false, false)]
    [InlineData(0x203F, false, false, false)]
    [InlineData(0x001F, false, false, true)]
    [InlineData(0x0085, false, false, true)]
    [InlineData(0x2029, false, false, true)]
    [InlineData(0x200B, false, false, false)]
    [InlineData('_', false, true, false)]
    public void Classes_CodePoint_MatchPythonRegexClasses(int codePoint, bool digit, bool word, bool space)
    {
        Assert.Equal((digit, word, space), (PythonText.IsDigit(codePoint), PythonText.IsWordChar(codePoint), PythonText.IsSpace(codePoint)));
    }

    [Fact]
    public void Lower_AstralCapitalAndLoneSurrogate_LikePython()
    {
        Assert.Equal("\U00010428x", PythonText.Lower("\U00010400X"));
        Assert.Equal("a\uD800b", PythonText.Lower("A\uD800B"));
    }

    [Theory]
    [InlineData("abc", 0, "")]
    [InlineData("abc", 2, "ab")]
    [InlineData("abc", 5, "abc")]
    public void TakeCodePoints_Ascii_SlicesLikePython(string text, int count, string expected)
    {
        Assert.Equal(expected, PythonText.TakeCodePoints(text, count));
    }
}
