using DrainFunctions.Core.Options;
using DrainFunctions.Dashboard;
using DrainFunctions.Durable.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace DrainFunctions.App;

/// <summary>
/// The live dashboard (<see cref="DashboardAssets"/>): the page and its files need no key
/// (anonymous), every data call the page makes gives the function key. The page is at
/// <c>/api/dashboard</c>: the host's route prefix is <c>api</c>, and moving every route out of it
/// to put the page at <c>/</c> would change the API's URLs. <c>GET /api/options</c> (keyed) gives
/// the page's start form the option declarations.
/// </summary>
public sealed class DashboardFunctions(DrainOptions defaults)
{
    [Function("GetDashboard")]
    public static IActionResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest req) =>
        Answer(req, null);

    [Function("GetDashboardFile")]
    public static IActionResult File([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{file}")] HttpRequest req, string file) =>
        Answer(req, file);

    [Function("GetDrainOptions")]
    public IActionResult Options([HttpTrigger(AuthorizationLevel.Function, "get", Route = "options")] HttpRequest req) =>
        HttpFunctions.Map(OptionDeclarations.Answer(defaults), req);

    /// <summary>The file (null: the page) with the dashboard's headers, or problem+json 404.</summary>
    public static IActionResult Answer(HttpRequest req, string? file)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (DashboardAssets.Find(file) is not { } asset)
        {
            return HttpFunctions.Map(ApiResult.NotFound("no such dashboard file"), req);
        }

        foreach (var (name, value) in DashboardAssets.Headers)
        {
            req.HttpContext.Response.Headers[name] = value;
        }

        return new ContentResult { StatusCode = 200, Content = asset.Text, ContentType = asset.ContentType };
    }
}
