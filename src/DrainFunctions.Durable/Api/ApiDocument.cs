namespace DrainFunctions.Durable.Api;

/// <summary>
/// The OpenAPI document of the HTTP API: one hand-kept file (<c>Api/openapi.json</c>, embedded),
/// served by the Function App (<c>GET /api/openapi.json</c>) and by <c>drain serve</c> (also at
/// <c>/openapi/v1.json</c>). Tests check that every route either host maps is in it, and every
/// field a drain request takes.
/// </summary>
public static class ApiDocument
{
    private const string ResourceName = "DrainFunctions.Durable.Api.openapi.json";

    public static string Json { get; } = Load();

    public static ApiResult Answer() => new(200, Json, ApiResult.Json);

    private static string Load()
    {
        using var stream = typeof(ApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
