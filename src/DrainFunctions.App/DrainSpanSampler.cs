using OpenTelemetry.Trace;

namespace DrainFunctions.App;

/// <summary>
/// Keeps every span of the drain (<c>drain.*</c>: a handful per phase) whatever the ratio, so that a
/// failed phase's trace is never sampled away; other spans are left to <paramref name="others"/>.
/// </summary>
public sealed class DrainSpanSampler(Sampler others) : Sampler
{
    private const string DrainPrefix = "drain.";

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name.StartsWith(DrainPrefix, StringComparison.Ordinal)
            ? new SamplingResult(SamplingDecision.RecordAndSample)
            : others.ShouldSample(samplingParameters);
}
