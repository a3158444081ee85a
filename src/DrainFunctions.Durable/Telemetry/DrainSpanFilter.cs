using System.Buffers.Binary;
using System.Diagnostics;
using OpenTelemetry;
using A = DrainFunctions.Durable.Telemetry.DrainTelemetry.Attributes;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// Drops the spans of a successful phase except for a <paramref name="ratio"/> of the phases, before
/// any exporter sees them (it must be added before the exporters). The decision is taken when a span
/// ends, from what it says then: spans of a phase that failed, or whose outcome the span cannot know
/// (a telemetry count, a step cut short), are always kept; so are the session's own spans. Whether a
/// successful phase is kept is a hash of its attempt id, so every host that writes one of its spans
/// decides the same way and a kept phase keeps all its steps.
/// </summary>
public sealed class DrainSpanFilter(double ratio) : BaseProcessor<Activity>
{
    private readonly ulong threshold = ratio >= 1 ? ulong.MaxValue : ratio <= 0 ? 0 : (ulong)(ratio * ulong.MaxValue);

    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Source.Name == DrainTelemetry.Name && !Keeps(data))
        {
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    /// <summary>Whether the drain's span <paramref name="span"/> is exported.</summary>
    public bool Keeps(Activity span)
    {
        ArgumentNullException.ThrowIfNull(span);
        if (threshold == ulong.MaxValue
            || span.Status == ActivityStatusCode.Error
            || span.GetTagItem(A.AttemptId) is not string attemptId
            || span.GetTagItem(A.Outcome) as string != DrainTelemetry.Outcomes.Success)
        {
            return true;
        }

        Span<byte> bytes = stackalloc byte[8];
        TraceIds.PhaseSpan(attemptId).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes) < threshold;
    }
}
