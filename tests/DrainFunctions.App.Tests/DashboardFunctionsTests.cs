using System.Reflection;
using System.Runtime.Loader;
using DrainFunctions.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace DrainFunctions.App.Tests;

/// <summary>
/// Issue 15: the Function App serves the dashboard <c>drain serve</c> serves. The app's own
/// handlers are called (loaded from its build output, as the Functions host loads them) and
/// answer the embedded page and files, with no key asked (anonymous) and the page's headers.
/// </summary>
public sealed class DashboardFunctionsTests
{
    private static readonly Type Functions = LoadApp().GetType("DrainFunctions.App.DashboardFunctions", throwOnError: true)!;

    /// <summary>The app's assembly from its output folder, its dependencies resolved there too.</summary>
    private static Assembly LoadApp()
    {
        var output = Path.Combine(FunctionsMetadataTests.RepoRoot, "src", "DrainFunctions.App", "bin", "Release", "net10.0");
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            File.Exists(Path.Combine(output, name.Name + ".dll")) ? context.LoadFromAssemblyPath(Path.Combine(output, name.Name + ".dll")) : null;
        return AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(output, "DrainFunctions.App.dll"));
    }

    private static (ContentResult Result, HttpResponse Response) Call(string method, params object?[] args)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        var result = Functions.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [context.Request, .. args]);
        return (Assert.IsType<ContentResult>(result), context.Response);
    }

    [Fact]
    public void Page_NoKey_TheEmbeddedPageWithItsHeaders()
    {
        var (result, response) = Call("Page");

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(DashboardAssets.Find(null)!.Text, result.Content);
        Assert.Equal("text/html; charset=utf-8", result.ContentType);
        Assert.Contains("<script src=\"dashboard/dashboard.js\"", result.Content, StringComparison.Ordinal);
        Assert.Equal(DashboardAssets.Headers["Content-Security-Policy"], response.Headers.ContentSecurityPolicy.ToString());
    }

    [Theory]
    [InlineData("dashboard.js", "text/javascript; charset=utf-8")]
    [InlineData("dashboard.css", "text/css; charset=utf-8")]
    public void File_ThePagesFile_TheEmbeddedText(string file, string contentType)
    {
        var (result, _) = Call("File", file);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(DashboardAssets.Find(file)!.Text, result.Content);
        Assert.Equal(contentType, result.ContentType);
    }

    [Fact]
    public void File_Unknown_Problem404()
    {
        var (result, _) = Call("File", "../host.json");

        Assert.Equal(404, result.StatusCode);
        Assert.StartsWith("application/problem+json", result.ContentType, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GetDashboard", "dashboard")]
    [InlineData("GetDashboardFile", "dashboard/{file}")]
    public void FunctionsMetadata_DashboardFunction_AnonymousGet(string function, string route)
    {
        var trigger = FunctionsMetadataTests.HttpTrigger(function);

        Assert.Equal(route, (string?)trigger["route"]);
        Assert.Equal("Anonymous", ((string?)trigger["authLevel"])!, ignoreCase: true);
        Assert.Equal(["get"], trigger["methods"]!.AsArray().Select(m => ((string?)m)!.ToLowerInvariant()));
    }
}
