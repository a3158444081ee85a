using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Core.Fingerprints;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain fingerprint</c>: shows how the drain groups failures. JSON Lines in, the same objects
/// with <c>normalized</c> and <c>fingerprint</c> added out; or one message with <c>--error</c>.
/// </summary>
public static class FingerprintCommand
{
    public const string Usage = """
        usage: drain fingerprint [--error TEXT [--state STATE] [--rc N]]
          Without --error: reads JSON Lines on standard input, each with final_state,
          subprocess_returncode (number or null) and error_message (string or null), and writes
          each line back with "normalized" and "fingerprint" added.
        """;

    public static int Run(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var reader = new ArgReader(args, new HashSet<string> { "--help" });
        if (reader.Has("--help"))
        {
            stdout.WriteLine(Usage);
            return 0;
        }

        var error = reader.Value("--error");
        var state = reader.Value("--state");
        var rcText = reader.Value("--rc");
        reader.RejectUnknown();
        if (reader.Positionals.Count > 0)
        {
            throw new UsageException($"unrecognized arguments: {string.Join(' ', reader.Positionals)}");
        }

        if (error is null)
        {
            if (state is not null || rcText is not null)
            {
                throw UsageException.ForFlag(state is not null ? "--state" : "--rc", "only allowed together with --error");
            }

            return RunLines(stdin, stdout, stderr);
        }

        int? rc = null;
        if (rcText is not null)
        {
            rc = int.TryParse(rcText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw UsageException.ForFlag("--rc", $"invalid int value: '{rcText}' (allowed: an integer return code, e.g. 1, -1, 143)");
        }

        stdout.WriteLine($"normalized: {FailureFingerprint.NormalizedPart(error)}");
        stdout.WriteLine($"fingerprint: {FailureFingerprint.Compute(state ?? "FAILED", rc, error)}");
        return 0;
    }

    private static int RunLines(TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var lineNumber = 0;
        var bad = 0;
        while (stdin.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                stdout.WriteLine(Annotate(line));
            }
            catch (FormatException ex)
            {
                bad++;
                stderr.WriteLine($"drain fingerprint: line {lineNumber}: {ex.Message}");
            }
        }

        // Good lines are all written; a bad one is reported and makes the exit code 2.
        return bad == 0 ? 0 : 2;
    }

    private static string Annotate(string line)
    {
        JsonObject item;
        try
        {
            item = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("expected a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"not valid JSON ({ex.Message})", ex);
        }

        var state = Field(item, "final_state", JsonValueKind.String)?.GetValue<string>()
            ?? throw new FormatException("field 'final_state' is missing (a string such as \"FAILED\")");
        var rcNode = Field(item, "subprocess_returncode", JsonValueKind.Number);
        int? rc = null;
        if (rcNode is not null)
        {
            rc = rcNode.TryGetValue<int>(out var number) ? number : throw new FormatException("field 'subprocess_returncode' must be an integer or null");
        }

        var error = Field(item, "error_message", JsonValueKind.String)?.GetValue<string>();
        item["normalized"] = error is null ? null : FailureFingerprint.NormalizedPart(error);
        item["fingerprint"] = FailureFingerprint.Compute(state, rc, error);
        return item.ToJsonString();
    }

    private static JsonValue? Field(JsonObject item, string name, JsonValueKind kind)
    {
        if (!item.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == kind)
        {
            return value;
        }

        var expected = kind == JsonValueKind.String ? "a string" : "a number";
        throw new FormatException($"field '{name}' must be {expected} or null");
    }
}
