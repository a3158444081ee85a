using DrainFunctions.Durable.Telemetry;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DrainFunctions.Cli.Parsing;

/// <summary>
/// Traces, metrics and logs over OTLP from this process (the local durable host, its activities,
/// <c>drain serve</c>) when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise nothing is
/// registered and the drain's instruments stay without listeners. The exporter reads the standard
/// <c>OTEL_*</c> variables itself (protocol, headers, timeout).
/// </summary>
public static class CliTelemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The Durable Task SDK's own spans (orchestrations, activities), linked from ours.</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static bool Enabled => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable));

    private static ResourceBuilder Resource => ResourceBuilder.CreateDefault().AddService("drain");

    /// <summary>Exports until disposed; a no-op when no endpoint is set.</summary>
    public static IDisposable Start()
    {
        if (!Enabled)
        {
            return new Providers(null, null);
        }

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(Resource)
            .AddSource(DrainTelemetry.Name, DurableTaskSource)
            .AddOtlpExporter()
            .Build();
        var metering = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(Resource)
            .AddMeter(DrainTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        return new Providers(tracing, metering);
    }

    public static void AddLogs(ILoggingBuilder logging) => logging.AddOpenTelemetry(options =>
    {
        options.SetResourceBuilder(Resource);
        options.IncludeScopes = true;
        options.AddOtlpExporter();
    });

    private sealed class Providers(TracerProvider? tracing, MeterProvider? metering) : IDisposable
    {
        public void Dispose()
        {
            // Disposing flushes what is still buffered.
            tracing?.Dispose();
            metering?.Dispose();
        }
    }
}
