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
    [InlineData("abc", 0, "")]
    [InlineData("abc", 2, "ab")]
    [InlineData("abc", 5, "abc")]
    public void TakeCodePoints_Ascii_SlicesLikePython(string text, int count, string expected)
    {
        Assert.Equal(expected, PythonText.TakeCodePoints(text, count));
    }
}
