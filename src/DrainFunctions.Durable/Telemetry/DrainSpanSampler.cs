using System.Globalization;
using OpenTelemetry.Trace;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// The head sampler of a drain's tracer: every span of the drain (<c>drain.*</c>) is recorded, so
/// that <see cref="DrainSpanFilter"/> can judge it once it knows its phase's outcome (a failed
/// phase's spans are always kept, a successful phase's at the ratio); other spans (Functions
/// worker, Durable Task) are left to <paramref name="others"/>.
/// </summary>
public sealed class DrainSpanSampler(Sampler others) : Sampler
{
    /// <summary>The standard setting (and environment variable) of the sampling ratio.</summary>
    public const string RatioSetting = "OTEL_TRACES_SAMPLER_ARG";

    private const string DrainPrefix = "drain.";

    /// <summary>
    /// Samples a tracer the drain's way: <paramref name="ratio"/> of the successful phases' spans and
    /// of the other spans' traces, every failed phase's spans, every session span.
    /// </summary>
    public static TracerProviderBuilder Configure(TracerProviderBuilder tracing, double ratio)
    {
        ArgumentNullException.ThrowIfNull(tracing);
        return tracing
            .SetSampler(new DrainSpanSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio))))
            .AddProcessor(new DrainSpanFilter(ratio));
    }

    /// <summary>The ratio <paramref name="setting"/> asks for: a number from 0 to 1; anything else (unset too) is 1, everything.</summary>
    public static double Ratio(string? setting) =>
        double.TryParse(setting, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1 ? ratio : 1.0;

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name.StartsWith(DrainPrefix, StringComparison.Ordinal)
            ? new SamplingResult(SamplingDecision.RecordAndSample)
            : others.ShouldSample(samplingParameters);
}
