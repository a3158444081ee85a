using System.Text.Json;
using System.Text.Json.Serialization;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// A handler's answer, independent of the host: the Function App and a plain ASP.NET Core app
/// each map it to their response (status, body, content type, headers such as Location).
/// </summary>
public sealed record ApiResult(int Status, string Body, string ContentType)
{
    public const string Json = "application/json; charset=utf-8";
    public const string ProblemJson = "application/problem+json; charset=utf-8";
    public const string Text = "text/plain; charset=utf-8";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static ApiResult Ok(object body, int status = 200) => new(status, JsonSerializer.Serialize(body, JsonOptions), Json);

    public static ApiResult PlainText(string text) => new(200, text, Text);

    /// <summary>RFC 9457 problem details; <paramref name="errors"/> keyed by field (camelCase).</summary>
    public static ApiResult Problem(int status, string title, string? detail = null, IReadOnlyDictionary<string, string[]>? errors = null, object? extra = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = "about:blank",
            ["title"] = title,
            ["status"] = status,
        };
        if (detail is not null)
        {
            body["detail"] = detail;
        }

        if (errors is not null)
        {
            body["errors"] = errors;
        }

        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra, JsonOptions).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return new ApiResult(status, JsonSerializer.Serialize(body, JsonOptions), ProblemJson);
    }

    public static ApiResult NotFound(string what) => Problem(404, "Not Found", what);

    public static ApiResult BadRequest(string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        Problem(400, "Bad Request", detail, errors);
}
