using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace DrainFunctions.Durable.Telemetry;

/// <summary>
/// Trace and span ids derived from the session and attempt ids, so that spans emitted by different
/// activities, on different hosts and after replays, form one tree without the orchestrator (which
/// must stay deterministic) carrying any trace context.
/// </summary>
public static class TraceIds
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    // Activity has no public way to choose its own span id; its private fields are stable across
    // .NET versions and the test checks that the ids took. Missing fields: the ids stay random.
    private static readonly FieldInfo? SpanIdField = typeof(Activity).GetField("_spanId", Private);
    private static readonly FieldInfo? IdField = typeof(Activity).GetField("_id", Private);
    private static readonly FieldInfo? ParentIdField = typeof(Activity).GetField("_parentId", Private);
    private static readonly FieldInfo? ParentSpanIdField = typeof(Activity).GetField("_parentSpanId", Private);

    public static ActivityTraceId Trace(string sessionId) => ActivityTraceId.CreateFromBytes(Hash("trace:" + sessionId).AsSpan(0, 16));

    public static ActivitySpanId SessionSpan(string sessionId) => ActivitySpanId.CreateFromBytes(Hash("session:" + sessionId).AsSpan(0, 8));

    public static ActivitySpanId PhaseSpan(string attemptId) => ActivitySpanId.CreateFromBytes(Hash("phase:" + attemptId).AsSpan(0, 8));

    public static ActivityContext Session(string sessionId) => new(Trace(sessionId), SessionSpan(sessionId), ActivityTraceFlags.Recorded, isRemote: true);

    public static ActivityContext Phase(string sessionId, string attemptId) => new(Trace(sessionId), PhaseSpan(attemptId), ActivityTraceFlags.Recorded, isRemote: true);

    /// <summary>
    /// The W3C <c>traceparent</c> of an attempt's phase span: handed to agents with their work and
    /// to executors as <c>TRACEPARENT</c>, so that what they record joins the drain's trace.
    /// </summary>
    public static string TraceParent(string sessionId, string attemptId) => TraceParent(Phase(sessionId, attemptId));

    public static string TraceParent(ActivityContext context) => $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-01";

    /// <summary>Gives a started activity the span id <paramref name="spanId"/>; <paramref name="root"/>: drops its parent too.</summary>
    public static void Assign(Activity activity, ActivitySpanId spanId, bool root)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (SpanIdField is null || IdField is null || ParentIdField is null || ParentSpanIdField is null)
        {
            return;
        }

        SpanIdField.SetValue(activity, spanId.ToHexString());
        IdField.SetValue(activity, null);
        if (root)
        {
            ParentIdField.SetValue(activity, null);
            ParentSpanIdField.SetValue(activity, null);
        }
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
