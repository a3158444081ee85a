using System.Runtime.CompilerServices;
using System.Text.Json;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// Reads drain options from a JSON body: the fields of <see cref="DrainOptionCatalog"/>'s options
/// with the HTTP surface, by their JSON names, each read by its kind. Every problem is
/// collected (wrong types, unknown fields, and <see cref="DrainOptions.Validate"/>), keyed by field;
/// at most <see cref="MaxListedErrors"/> fields are listed (a body of 300,000 unknown fields once
/// produced an 84 MB answer), and a field name is echoed at most <see cref="MaxEchoedName"/> characters long.
/// </summary>
public static class DrainRequestParser
{
    public const int MaxListedErrors = 20;

    public const int MaxEchoedName = 100;

    private static readonly IReadOnlyList<DrainOptionSpec> Specs = DrainOptionCatalog.On(DrainOptionSurfaces.HttpBody);

    private static readonly Dictionary<string, DrainOptionSpec> ByField = Specs.ToDictionary(s => s.JsonName, StringComparer.Ordinal);

    /// <summary>The option fields, in catalog order.</summary>
    public static readonly IReadOnlyList<string> Fields = [.. Specs.Select(s => s.JsonName)];

    /// <summary>Parses <paramref name="body"/> over <paramref name="defaults"/>; <paramref name="extraFields"/> are accepted and returned raw.</summary>
    public static ParsedDrainRequest Parse(string? body, DrainOptions defaults, params string[] extraFields)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var errors = new Errors();
        var extra = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var options = defaults;
        var given = new HashSet<DrainOptionSpec>();
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
                    if (ByField.TryGetValue(p.Name, out var spec))
                    {
                        given.Add(spec);
                        options = Read(spec, p.Value, errors) is { } value ? spec.Set(options, value.Value) : options;
                    }
                    else
                    {
                        Extra(p, errors, extra, extraFields);
                    }
                }
            }
        }

        foreach (var e in options.Validate())
        {
            errors.Add(e.JsonName, e.Message);
        }

        var result = errors.Listed.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
        return new ParsedDrainRequest(errors.Count == 0 ? options : null, result, errors.Count, extra) { Given = given };
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

    /// <summary>
    /// A field's value as the option's type (wrapped, since null is a value: "no limit"), or null
    /// after recording why it is refused. An optional option takes null; an empty text that the
    /// option does not refuse (<c>apiUrl</c>) means none.
    /// </summary>
    private static StrongBox<object?>? Read(DrainOptionSpec spec, JsonElement v, Errors errors)
    {
        if (v.ValueKind == JsonValueKind.Null && spec.IsOptional)
        {
            return new(null);
        }

        switch (spec.Kind)
        {
            case DrainOptionKind.WholeNumber when v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n):
                return new(n);
            case DrainOptionKind.Number when v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d):
                return new(d);
            case DrainOptionKind.Switch when v.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return new(v.GetBoolean());
            case DrainOptionKind.Text when v.ValueKind == JsonValueKind.String:
                var text = v.GetString()!;
                return new(text.Length == 0 && spec.EmptyRule is null ? null : text);
            case DrainOptionKind.TextList when v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String):
                return new((IReadOnlyList<string>)[.. v.EnumerateArray().Select(x => x.GetString()!)]);
        }

        errors.Add(spec.JsonName, spec.Kind switch
        {
            DrainOptionKind.WholeNumber => "must be an integer",
            DrainOptionKind.Number => spec.IsOptional ? "must be a number or null" : "must be a number",
            DrainOptionKind.Switch => "must be true or false",
            DrainOptionKind.Text => "must be a string",
            _ => "must be an array of strings",
        });
        return null;
    }

    private static void Extra(JsonProperty p, Errors errors, Dictionary<string, JsonElement> extra, string[] extraFields)
    {
        if (extraFields.Contains(p.Name, StringComparer.Ordinal))
        {
            extra[p.Name] = p.Value.Clone();
        }
        else
        {
            // A name may be anything (and huge): echoed cut, so the answer stays small.
            var name = p.Name.Length <= MaxEchoedName ? p.Name : p.Name[..MaxEchoedName] + "...";
            errors.Add(name, "unknown field (allowed: " + string.Join(", ", Fields.Concat(extraFields)) + ")");
        }
    }
}
