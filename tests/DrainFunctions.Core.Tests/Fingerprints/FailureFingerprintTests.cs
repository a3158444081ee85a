using DrainFunctions.Core.Fingerprints;

namespace DrainFunctions.Core.Tests.Fingerprints;

public class FailureFingerprintTests
{
    [Theory]
    [InlineData(-1, "timeout")]
    [InlineData(0, "rc0")]
    [InlineData(1, "rc1")]
    [InlineData(143, "timeout143")]
    [InlineData(2, "rc2")]
    [InlineData(-9, "rc-9")]
    [InlineData(null, null)]
    public void ReturnCodeBucket_Code_MatchesPythonBuckets(int? returnCode, string? expected)
    {
        Assert.Equal(expected, FailureFingerprint.ReturnCodeBucket(returnCode));
    }

    [Theory]
    [InlineData("FAILED", 1, "ImportError: cannot import module", "FAILED|rc1|importerror: cannot import module")]
    [InlineData("TIMEOUT", 143, "Phase timed out", "TIMEOUT|timeout143|phase timed out")]
    [InlineData("TIMEOUT", -1, "Phase execution timed out after 900 seconds", "TIMEOUT|timeout|phase execution timed out after num seconds")]
    [InlineData("FAILED", null, "CI collection/import error", "FAILED|ci collectionpath error")]
    [InlineData("FAILED", 0, null, "FAILED|rc0")]
    [InlineData("FAILED", 0, "", "FAILED|rc0")]
    [InlineData("FAILED", 2, "   ", "FAILED|rc2|")]
    [InlineData("NOT_FOUND", null, "Phase not found in database", "NOT_FOUND|phase not found in database")]
    public void Compute_Example_MatchesPythonKeys(string state, int? rc, string? error, string expected)
    {
        Assert.Equal(expected, FailureFingerprint.Compute(state, rc, error));
    }

    [Fact]
    public void Compute_LongMessage_CutsNormalizedTextAt200CodePoints()
    {
        var message = "x" + string.Concat(Enumerable.Repeat("\U0001F600", 300));
        var fingerprint = FailureFingerprint.Compute("FAILED", 1, message);
        var normalized = fingerprint["FAILED|rc1|".Length..];
        Assert.Equal(200, PythonText.CodePointLength(normalized));
        Assert.Equal(399, normalized.Length);
        Assert.StartsWith("x\U0001F600", normalized, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_SameFailureWithDifferentDetails_GivesOneFingerprint()
    {
        var first = FailureFingerprint.Compute("FAILED", 1, "ImportError at line 12 in /app/run-1/a.py at 2025-12-28 10:00:01");
        var second = FailureFingerprint.Compute("FAILED", 1, "ImportError at line 98 in /srv/x/b.py at 2026-01-02 23:59:59");
        Assert.Equal(first, second);
    }
}
