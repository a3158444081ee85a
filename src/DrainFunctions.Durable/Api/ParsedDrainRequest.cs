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
    /// <summary>The options the body gave (a field present, even with the default value).</summary>
    public IReadOnlySet<DrainOptionSpec> Given { get; init; } = new HashSet<DrainOptionSpec>();

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
