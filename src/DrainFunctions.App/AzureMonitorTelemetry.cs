using System.Globalization;
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
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set. The drain's own spans are always kept
/// (<see cref="DrainSpanSampler"/>); the rest (Functions worker, Durable Task) are sampled at
/// <c>OTEL_TRACES_SAMPLER_ARG</c> (default 1: everything).
/// </summary>
public static class AzureMonitorTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string SampleRatioSetting = "OTEL_TRACES_SAMPLER_ARG";
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static double SampleRatio(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return double.TryParse(configuration[SampleRatioSetting], NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1 ? ratio : 1.0;
    }

    public static void Add(IServiceCollection services, ILoggingBuilder logging, string connectionString, TokenCredential credential, double sampleRatio)
    {
        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing
                .AddSource(DrainTelemetry.Name, DurableTaskSource)
                .SetSampler(new DrainSpanSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(sampleRatio))))
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
