using System.Text.Json;

namespace DrainFunctions.Cli.Tests;

public class FingerprintCommandTests
{
    [Fact]
    public void Run_JsonLines_AddsNormalizedAndFingerprintToEachLine()
    {
        const string input = """
            {"final_state": "FAILED", "subprocess_returncode": 1, "error_message": "ImportError at line 123: cannot import module from c:\\dev\\Autopack\\file.py:456", "run_id": "r1"}
            {"final_state": "TIMEOUT", "subprocess_returncode": -1, "error_message": null}
            {"final_state": "FAILED", "subprocess_returncode": null, "error_message": "CI collection/import error"}
            """;

        var result = CliRunner.Run(input, "fingerprint");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal("r1", lines[0].GetProperty("run_id").GetString());
        Assert.Equal("importerror at line num: cannot import module from path:num", lines[0].GetProperty("normalized").GetString());
        Assert.Equal("FAILED|rc1|importerror at line num: cannot import module from path:num", lines[0].GetProperty("fingerprint").GetString());
        Assert.Equal(JsonValueKind.Null, lines[1].GetProperty("normalized").ValueKind);
        Assert.Equal("TIMEOUT|timeout", lines[1].GetProperty("fingerprint").GetString());
        Assert.Equal("FAILED|ci collectionpath error", lines[2].GetProperty("fingerprint").GetString());
    }

    [Fact]
    public void Run_BadLineAmongGoodOnes_ReportsLineNumberKeepsOthersExits2()
    {
        var result = CliRunner.Run("{\"final_state\": \"FAILED\"}\n[1]\n{\"final_state\": 3}\n{\"final_state\": \"COMPLETE\", \"subprocess_returncode\": 0}\n", "fingerprint");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(2, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("line 2: expected a JSON object", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 3: field 'final_state' must be a string or null", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SingleError_PrintsNormalizedAndFingerprint()
    {
        var result = CliRunner.Run(string.Empty, "fingerprint", "--error", "Error at 2025-12-28 16:22:03", "--state", "TIMEOUT", "--rc", "143");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("normalized: error at date time\nfingerprint: TIMEOUT|timeout143|error at date time\n", result.Stdout);
    }

    [Fact]
    public void Run_DigitsBeyondBmp_NormalizedAsPythonDoes()
    {
        // U+1D7D9.. (mathematical digits) are \d to Python: once as JSON escapes, once as characters.
        const string input = "{\"final_state\": \"FAILED\", \"subprocess_returncode\": 1, \"error_message\": \"Fehler \\ud835\\udfd9\\ud835\\udfda at line \U0001D7DB\"}\n";

        var lines = CliRunner.Run(input, "fingerprint");
        var single = CliRunner.Run(string.Empty, "fingerprint", "--error", "Fehler \U0001D7D9\U0001D7DA at line \U0001D7DB", "--rc", "1");

        Assert.Equal("FAILED|rc1|fehler num at line num", JsonDocument.Parse(lines.Stdout).RootElement.GetProperty("fingerprint").GetString());
        Assert.Equal("normalized: fehler num at line num\nfingerprint: FAILED|rc1|fehler num at line num\n", single.Stdout);
    }

    [Theory]
    [InlineData(new[] { "fingerprint", "--error", "x", "--rc", "one" }, "argument --rc: invalid int value: 'one'")]
    [InlineData(new[] { "fingerprint", "--rc", "1" }, "argument --rc: only allowed together with --error")]
    [InlineData(new[] { "fingerprint", "--bogus", "1" }, "unrecognized arguments: --bogus")]
    [InlineData(new[] { "fingerprint", "--error" }, "argument --error: expected one argument")]
    public void Run_BadFlags_NamesFlagAndExits2(string[] args, string expected)
    {
        var result = CliRunner.Run(string.Empty, args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("drain: error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }
}
