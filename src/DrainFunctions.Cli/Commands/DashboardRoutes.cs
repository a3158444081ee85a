using DrainFunctions.Dashboard;
using DrainFunctions.Durable.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace DrainFunctions.Cli.Commands;

/// <summary>
/// The live dashboard in <c>drain serve</c>: the page at <c>/</c> (and at <c>/api/dashboard</c>, as
/// the Function App has it) with its files, answered before the key is asked for; the page's own
/// data calls give the key.
/// </summary>
public static class DashboardRoutes
{
    /// <summary>Answers the dashboard's paths ahead of the key check; every other request goes on.</summary>
    public static void UsePage(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && DashboardAssets.ForServePath(context.Request.Path.Value) is { } asset)
            {
                await WriteAsync(context, asset);
                return;
            }

            await next();
        });
    }

    /// <summary>The Function App's dashboard routes (<c>/api/dashboard</c>, <c>/api/dashboard/{file}</c>), as endpoints.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/dashboard", async (HttpContext c) => await WriteAsync(c, DashboardAssets.Find(null)));
        app.MapGet("/api/dashboard/{file}", async (HttpContext c, string file) => await WriteAsync(c, DashboardAssets.Find(file)));
    }

    private static async Task WriteAsync(HttpContext context, DashboardAsset? asset)
    {
        if (asset is null)
        {
            var missing = ApiResult.NotFound("no such dashboard file");
            context.Response.StatusCode = missing.Status;
            context.Response.ContentType = missing.ContentType;
            await context.Response.WriteAsync(missing.Body, context.RequestAborted);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = asset.ContentType;
        foreach (var (name, value) in DashboardAssets.Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(asset.Text, context.RequestAborted);
    }
}
