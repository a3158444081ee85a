using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DrainFunctions.Cli.Parsing;
using DrainFunctions.Core.Fingerprints;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// <c>drain fingerprint</c>: shows how the drain groups failures. JSON Lines in, the same objects
/// with <c>normalized</c> and <c>fingerprint</c> added out; or one message with <c>--error</c>.
/// </summary>
public static class FingerprintCommand
{
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var error = Flag.Text("--error", "TEXT", "one error message to normalize and fingerprint (without it: JSON Lines on stdin)");
        var state = Flag.Text("--state", "STATE", "the phase's final state for --error (default FAILED)");
        var rc = Flag.WholeNumber("--rc", "the executor's return code for --error", int.MinValue, allowed: "allowed: an integer return code, e.g. 1, -1, 143");
        var command = new Command("fingerprint", """
            normalize errors and compute failure fingerprints, as the drain groups failures. Without --error: reads JSON Lines
            on standard input, each with final_state, subprocess_returncode (number or null) and error_message (string or
            null), and writes each line back with "normalized" and "fingerprint" added.
            """) { error, state, rc };
        command.SetAction(parsed => Run(parsed.GetValue(error), parsed.GetValue(state), parsed.GetValue(rc), context.Stdin, context.Stdout, context.Stderr));
        return CommandHelp.WithExamples(
            command,
            "drain fingerprint --error \"ImportError: cannot import name 'x' (/app/a.py)\" --rc 1",
            "echo '{\"final_state\": \"FAILED\", \"subprocess_returncode\": 1, \"error_message\": \"boom\"}' | drain fingerprint");
    }

    public static int Run(string? error, string? state, int? rc, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        if (error is null)
        {
            if (state is not null || rc is not null)
            {
                throw UsageException.ForFlag(state is not null ? "--state" : "--rc", "only allowed together with --error");
            }

            return RunLines(stdin, stdout, stderr);
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
