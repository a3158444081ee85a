using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using DrainFunctions.Durable.Telemetry;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DrainFunctions.App;

/// <summary>
/// Traces, metrics and logs to Application Insights through OpenTelemetry, registered only when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set. Sampled at <c>OTEL_TRACES_SAMPLER_ARG</c>
/// (default 1: everything) the drain's way (<see cref="DrainSpanSampler"/>): a failed phase's spans
/// are always kept, a successful phase's and the other spans' traces at the ratio.
/// </summary>
public static class AzureMonitorTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static double SampleRatio(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return DrainSpanSampler.Ratio(configuration[DrainSpanSampler.RatioSetting]);
    }

    public static void Add(IServiceCollection services, ILoggingBuilder logging, string connectionString, TokenCredential credential, double sampleRatio)
    {
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => DrainSpanSampler.Configure(tracing.AddSource(DrainTelemetry.Name, DurableTaskSource), sampleRatio)
                .AddAzureMonitorTraceExporter(o => Configure(o, connectionString, credential)))
            .WithMetrics(metrics => metrics
                .AddMeter(DrainTelemetry.Name)
                .AddAzureMonitorMetricExporter(o => Configure(o, connectionString, credential)));
        logging.AddOpenTelemetry(o =>
        {
            o.IncludeScopes = true;
            o.AddAzureMonitorLogExporter(e => Configure(e, connectionString, credential));
        });
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, TokenCredential credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }
}
