using DrainFunctions.Durable.Telemetry;
using DrainFunctions.Flags;
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

    /// <summary>
    /// Exports until disposed; a no-op when no endpoint is set. An endpoint that is not an absolute
    /// http(s) URL is bad usage (<see cref="UsageException"/>: exit 2), not a crash of the exporter.
    /// </summary>
    public static IDisposable Start()
    {
        if (!Enabled)
        {
            return new Providers(null, null);
        }

        if (EndpointError(Environment.GetEnvironmentVariable(EndpointVariable)!) is { } error)
        {
            throw new UsageException(error);
        }

        // Sampled as in the Function App: a failed phase's spans always, the rest at OTEL_TRACES_SAMPLER_ARG.
        var sampling = DrainSpanSampler.Ratio(Environment.GetEnvironmentVariable(DrainSpanSampler.RatioSetting));
        var tracing = DrainSpanSampler.Configure(Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource).AddSource(DrainTelemetry.Name, DurableTaskSource), sampling)
            .AddOtlpExporter()
            .Build();
        var metering = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(Resource)
            .AddMeter(DrainTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        return new Providers(tracing, metering);
    }

    /// <summary>Why <paramref name="endpoint"/> cannot be the OTLP endpoint, or null when it can; a password in it is masked.</summary>
    public static string? EndpointError(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var trimmed = endpoint.Trim();
        if (Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
        {
            return null;
        }

        var shown = System.Text.RegularExpressions.Regex.Replace(trimmed, "(?<=//)[^/@]*@", "***@");
        return $"environment variable {EndpointVariable}: invalid value '{FlagError.Shorten(shown)}' (expected an absolute http:// or https:// URL of an OTLP collector, such as http://localhost:4317; unset it to export nothing)";
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
