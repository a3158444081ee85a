namespace DrainFunctions.Durable.Api;

/// <summary>Where bytes read from a log that is still being written may be decoded up to.</summary>
public static class Utf8Cut
{
    /// <summary>
    /// The length of the longest prefix of <paramref name="bytes"/> that does not end inside a
    /// UTF-8 sequence: a character whose bytes are not all written yet is left for the next read.
    /// Invalid bytes count as complete (they decode to U+FFFD as they would anyway).
    /// </summary>
    public static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // The last sequence starts at most 3 bytes before the end.
        for (var i = bytes.Length - 1; i >= 0 && i >= bytes.Length - 4; i--)
        {
            var b = bytes[i];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: its lead is further back
            }

            var needed = b switch
            {
                < 0x80 => 1,
                >= 0xC0 and < 0xE0 => 2,
                >= 0xE0 and < 0xF0 => 3,
                >= 0xF0 and < 0xF8 => 4,
                _ => 1,
            };
            return i + needed > bytes.Length ? i : bytes.Length;
        }

        return bytes.Length;
    }
}
