using System.Text.Json;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A parsed request body: the options (null when invalid), at most
/// <see cref="DrainRequestParser.MaxListedErrors"/> fields with their errors, how many fields had
/// errors in all, and the raw extra fields.
/// </summary>
public sealed record ParsedDrainRequest(DrainOptions? Options, Dictionary<string, string[]> Errors, int InvalidFields, Dictionary<string, JsonElement> Extra)
{
    public void Deconstruct(out DrainOptions? options, out Dictionary<string, string[]> errors, out Dictionary<string, JsonElement> extra)
    {
        options = Options;
        errors = Errors;
        extra = Extra;
    }

    /// <summary>400 problem+json: the fields listed, and how many more there were.</summary>
    public ApiResult BadRequest()
    {
        var more = InvalidFields - Errors.Count;
        return ApiResult.BadRequest(
            more > 0 ? $"{InvalidFields} invalid field(s); the first {Errors.Count} are listed, and {more} more" : $"{InvalidFields} invalid field(s)",
            Errors);
    }
}

/// <summary>
/// Reads drain options from a JSON body with the CLI flag names in camelCase. Every problem is
/// collected (wrong types, unknown fields, and <see cref="DrainOptions.Validate"/>), keyed by field;
/// at most <see cref="MaxListedErrors"/> fields are listed (a body of 300,000 unknown fields once
/// produced an 84 MB answer), and a field name is echoed at most <see cref="MaxEchoedName"/> characters long.
/// </summary>
public static class DrainRequestParser
{
    public const int MaxListedErrors = 20;

    public const int MaxEchoedName = 100;

    public static readonly IReadOnlyList<string> Fields =
    [
        "batchSize", "runId", "dryRun", "phaseTimeoutSeconds", "maxTotalMinutes", "maxTimeoutsPerRun",
        "maxAttemptsPerPhase", "maxFingerprintRepeats", "skipRunPrefixes", "maxConsecutiveZeroYield",
        "skipRunsWithQueued", "skipRunsInFlight", "sampleFirst", "ledgerEnabled", "ledgerWindowHours", "apiUrl",
    ];

    /// <summary>Parses <paramref name="body"/> over <paramref name="defaults"/>; <paramref name="extraFields"/> are accepted and returned raw.</summary>
    public static ParsedDrainRequest Parse(string? body, DrainOptions defaults, params string[] extraFields)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var errors = new Errors();
        var extra = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var options = defaults;
        if (!string.IsNullOrWhiteSpace(body))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException ex)
            {
                return new ParsedDrainRequest(null, new() { ["body"] = [$"is not valid JSON: {ex.Message}"] }, 1, extra);
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return new ParsedDrainRequest(null, new() { ["body"] = ["must be a JSON object"] }, 1, extra);
                }

                foreach (var p in document.RootElement.EnumerateObject())
                {
                    options = Apply(options, p, errors, extra, extraFields);
                }
            }
        }

        foreach (var e in options.Validate())
        {
            Add(errors, e.Name == "skip-run-prefix" ? "skipRunPrefixes" : e.JsonName, e.Message);
        }

        var result = errors.Listed.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
        return new ParsedDrainRequest(errors.Count == 0 ? options : null, result, errors.Count, extra);
    }

    /// <summary>Errors by field: the first <see cref="MaxListedErrors"/> fields kept, the others only counted.</summary>
    private sealed class Errors
    {
        private readonly HashSet<string> unlisted = new(StringComparer.Ordinal);

        public Dictionary<string, List<string>> Listed { get; } = new(StringComparer.Ordinal);

        public int Count => Listed.Count + unlisted.Count;

        public void Add(string field, string message)
        {
            if (Listed.TryGetValue(field, out var list))
            {
                list.Add(message);
            }
            else if (Listed.Count < MaxListedErrors)
            {
                Listed[field] = [message];
            }
            else
            {
                unlisted.Add(field);
            }
        }
    }

    private static DrainOptions Apply(DrainOptions o, JsonProperty p, Errors errors, Dictionary<string, JsonElement> extra, string[] extraFields)
    {
        var v = p.Value;
        switch (p.Name)
        {
            case "batchSize": return Int(v, p.Name, errors) is { } a ? o with { BatchSize = a } : o;
            case "phaseTimeoutSeconds": return Int(v, p.Name, errors) is { } b ? o with { PhaseTimeoutSeconds = b } : o;
            case "maxTimeoutsPerRun": return Int(v, p.Name, errors) is { } c ? o with { MaxTimeoutsPerRun = c } : o;
            case "maxAttemptsPerPhase": return Int(v, p.Name, errors) is { } d ? o with { MaxAttemptsPerPhase = d } : o;
            case "maxFingerprintRepeats": return Int(v, p.Name, errors) is { } e ? o with { MaxFingerprintRepeats = e } : o;
            case "ledgerWindowHours": return Int(v, p.Name, errors) is { } f ? o with { LedgerWindowHours = f } : o;
            case "maxConsecutiveZeroYield":
                return v.ValueKind == JsonValueKind.Null ? o with { MaxConsecutiveZeroYield = null }
                    : Int(v, p.Name, errors) is { } g ? o with { MaxConsecutiveZeroYield = g } : o;
            case "maxTotalMinutes":
                if (v.ValueKind == JsonValueKind.Null)
                {
                    return o with { MaxTotalMinutes = null };
                }

                if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var minutes))
                {
                    return o with { MaxTotalMinutes = minutes };
                }

                Add(errors, p.Name, "must be a number or null");
                return o;
            case "dryRun": return Bool(v, p.Name, errors) is { } h ? o with { DryRun = h } : o;
            case "skipRunsWithQueued": return Bool(v, p.Name, errors) is { } i ? o with { SkipRunsWithQueued = i } : o;
            case "skipRunsInFlight": return Bool(v, p.Name, errors) is { } l ? o with { SkipRunsInFlight = l } : o;
            case "sampleFirst": return Bool(v, p.Name, errors) is { } j ? o with { SampleFirst = j } : o;
            case "ledgerEnabled": return Bool(v, p.Name, errors) is { } k ? o with { LedgerEnabled = k } : o;
            case "runId":
                return v.ValueKind == JsonValueKind.Null ? o with { RunId = null }
                    : Str(v, p.Name, errors) is { } run ? o with { RunId = run } : o;
            case "apiUrl":
                return v.ValueKind == JsonValueKind.Null ? o with { ApiUrl = null }
                    : Str(v, p.Name, errors) is { } url ? o with { ApiUrl = url.Length == 0 ? null : url } : o;
            case "skipRunPrefixes":
                if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                {
                    return o with { SkipRunPrefixes = [.. v.EnumerateArray().Select(x => x.GetString()!)] };
                }

                Add(errors, p.Name, "must be an array of strings");
                return o;
            default:
                if (extraFields.Contains(p.Name, StringComparer.Ordinal))
                {
                    extra[p.Name] = v.Clone();
                }
                else
                {
                    // A name may be anything (and huge): echoed cut, so the answer stays small.
                    var name = p.Name.Length <= MaxEchoedName ? p.Name : p.Name[..MaxEchoedName] + "...";
                    Add(errors, name, "unknown field (allowed: " + string.Join(", ", Fields.Concat(extraFields)) + ")");
                }

                return o;
        }
    }

    private static int? Int(JsonElement v, string name, Errors errors)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n))
        {
            return n;
        }

        Add(errors, name, "must be an integer");
        return null;
    }

    private static bool? Bool(JsonElement v, string name, Errors errors)
    {
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetBoolean();
        }

        Add(errors, name, "must be true or false");
        return null;
    }

    private static string? Str(JsonElement v, string name, Errors errors)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }

        Add(errors, name, "must be a string");
        return null;
    }

    private static void Add(Errors errors, string name, string message) => errors.Add(name, message);
}
