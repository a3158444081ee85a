namespace DrainFunctions.Durable.Telemetry;

/// <summary>A skip line's reason as a low-cardinality metric tag (the text names runs and counts).</summary>
public static class SkipReasons
{
    public static string Of(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return reason switch
        {
            _ when reason.Contains("phase in flight", StringComparison.Ordinal) => "in_flight",
            _ when reason.Contains("sample-first triage", StringComparison.Ordinal) => "sample_triage",
            _ when reason.Contains("too many repeat failures", StringComparison.Ordinal) => "repeat_failures",
            _ when reason.Contains(" timeouts (limit", StringComparison.Ordinal) => "timeouts",
            _ when reason.Contains("already attempted", StringComparison.Ordinal) => "attempts",
            _ => "other",
        };
    }
}
