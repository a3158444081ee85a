namespace DrainFunctions.Core.Fingerprints;

/// <summary>
/// The failure fingerprint: <c>final_state|bucket|normalized_error[:200]</c>. Keys must equal the
/// Python tool's, because resumed sessions carry <c>fingerprint_counts</c> keyed by them.
/// </summary>
public static class FailureFingerprint
{
    public const int MaxNormalizedLength = 200;

    /// <summary>The return-code bucket, or null when the return code is unknown.</summary>
    public static string? ReturnCodeBucket(int? returnCode) => returnCode switch
    {
        null => null,
        -1 => "timeout",
        0 => "rc0",
        1 => "rc1",
        143 => "timeout143",
        var rc => $"rc{rc}",
    };

    /// <summary>Whether a return code means the phase was cut by a timeout.</summary>
    public static bool IsTimeoutReturnCode(int? returnCode) => returnCode is -1 or 143;

    /// <summary>The normalized error as it appears in a fingerprint (cut at 200 code points).</summary>
    public static string NormalizedPart(string errorMessage) =>
        PythonText.TakeCodePoints(ErrorNormalizer.Normalize(errorMessage), MaxNormalizedLength);

    public static string Compute(string finalState, int? returnCode, string? errorMessage)
    {
        ArgumentNullException.ThrowIfNull(finalState);
        var parts = new List<string>(3) { finalState };
        var bucket = ReturnCodeBucket(returnCode);
        if (bucket is not null)
        {
            parts.Add(bucket);
        }

        // Python's truthiness: an empty message adds no part, a blank one adds an empty part.
        if (!string.IsNullOrEmpty(errorMessage))
        {
            parts.Add(NormalizedPart(errorMessage));
        }

        return string.Join('|', parts);
    }
}
