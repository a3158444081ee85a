using Azure.Identity;
using DrainFunctions.App;
using DrainFunctions.Data;
using DrainFunctions.Durable.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Inside the ASP.NET Core integration's own middleware, which writes the result it sets.
builder.UseWhen<DrainFunctions.App.ApiErrorMiddleware>(context => context.FunctionDefinition.InputBindings.Values.Any(b => b.Type == "httpTrigger"));
var configuration = builder.Configuration;

var errors = new List<string>();
var databaseUrl = configuration["DATABASE_URL"];
DatabaseUrl? database = null;
if (string.IsNullOrWhiteSpace(databaseUrl))
{
    errors.Add("DATABASE_URL: must be set (e.g. postgresql://user:pass@host:5432/db or sqlite:////abs/path.db)");
}
else if (databaseUrl.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
{
    // App Service passes a Key Vault reference through as text when it cannot resolve it.
    errors.Add($"DATABASE_URL: the Key Vault reference {databaseUrl} was not resolved: the secret is missing, or the app's identity "
        + "cannot read it, or the vault is closed to the app's network. Set the secret, then restart the app (infra/README.md, 'The database connection')");
}
else
{
    try
    {
        database = DatabaseUrl.Parse(databaseUrl);
    }
    catch (FormatException ex)
    {
        errors.Add($"DATABASE_URL: {ex.Message}");
    }
}

if (errors.Count > 0)
{
    throw new InvalidOperationException("Invalid settings, the app does not start:\n  " + string.Join("\n  ", errors));
}

// Drain options from the Drain__ settings, validated at start: a bad value stops the app naming the setting.
builder.Services.AddDrainSettings();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<SnapshotOptions>(configuration.GetSection(SnapshotOptions.SectionName));
builder.Services.Configure<ExecutorOptions>(configuration.GetSection(ExecutorOptions.SectionName));
builder.Services.Configure<DrainFunctions.Durable.Agents.AgentOptions>(configuration.GetSection(DrainFunctions.Durable.Agents.AgentOptions.SectionName));
var blobServiceUri = configuration["Snapshots:BlobServiceUri"];
var credential = new DefaultAzureCredential();
if (configuration[AzureMonitorTelemetry.ConnectionStringSetting] is { Length: > 0 } appInsights && !string.IsNullOrWhiteSpace(appInsights))
{
    // Identity-based ingestion: the app's managed identity (AZURE_CLIENT_ID), as infra/ grants it.
    AzureMonitorTelemetry.Add(builder.Services, builder.Logging, appInsights, credential, AzureMonitorTelemetry.SampleRatio(configuration));
}

builder.Services.AddDrainServices(
    new DelegateBacklogStoreFactory(ct => BacklogStores.OpenAsync(database!, null, ct)),
    snapshots =>
    {
        // Sessions and the ledger are kept per database (the identity has no credentials).
        snapshots.Backlog = database!.Backlog.Canonical;
        // A connection string (Azurite, or a key) or identity-based access with the blob service URI.
        snapshots.ConnectionString ??= configuration["AzureWebJobsStorage"] is { Length: > 0 } cs && !string.IsNullOrWhiteSpace(cs) && blobServiceUri is null ? cs : null;
        if (snapshots.ServiceUri is null && Uri.TryCreate(blobServiceUri, UriKind.Absolute, out var uri))
        {
            snapshots.ServiceUri = uri;
        }
    },
    executor =>
    {
        executor.DatabaseUrl = databaseUrl!;
        executor.DemoExecutorPath ??= Path.Combine(AppContext.BaseDirectory, "DrainFunctions.DemoExecutor.dll");
    },
    credential: credential);

builder.Build().Run();
