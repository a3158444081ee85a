using System.Text;
using DrainFunctions.Core.Results;

namespace DrainFunctions.Durable.Executors;

/// <summary>
/// Looks for the LLM-boundary and failed-before-LLM markers in a stream of output as it passes,
/// keeping only a few characters: the same answers as <see cref="ResultClassifier"/> gives on the
/// whole output (<c>lower(stdout + stderr)</c>), in constant memory, across chunk boundaries
/// (UTF-8 sequences and markers split between two reads are found).
/// </summary>
public sealed class OutputScanner
{
    // Python's full lower() yields an ASCII letter from a non-ASCII character only for U+212A
    // (KELVIN SIGN -> k) and U+0130 (-> i + U+0307). Every other non-ASCII character can never be
    // part of an ASCII marker, so it is kept as a character no marker has.
    private const char Other = '\uFFFF';
    private static readonly int Keep = ResultClassifier.LlmBoundaryMarkerList.Concat(ResultClassifier.FailedBeforeLlmMarkerList).Max(m => m.Length) - 1;

    private readonly Decoder decoder = new UTF8Encoding(false, false).GetDecoder();
    private char[] decoded = new char[4096];
    private char[] window = new char[8192];
    private int tailLength;
    private string head = string.Empty;

    public bool ReachedLlmBoundary { get; private set; }

    public bool FailedBeforeLlmMarker { get; private set; }

    /// <summary>The last characters seen (lower-cased as markers see them), for the junction with the next stream.</summary>
    public string Tail => new(window, 0, tailLength);

    /// <summary>The first characters seen (lower-cased as markers see them).</summary>
    public string Head => head;

    public void Feed(ReadOnlySpan<byte> bytes) => Decode(bytes, flush: false);

    /// <summary>The end of the stream: an incomplete UTF-8 sequence at the end becomes U+FFFD, as a full decode does.</summary>
    public void Complete() => Decode(ReadOnlySpan<byte>.Empty, flush: true);

    /// <summary>
    /// What <see cref="ResultClassifier"/> says of stdout followed by stderr: a marker may start at
    /// the end of stdout and end at the start of stderr.
    /// </summary>
    public static (bool ReachedLlmBoundary, bool FailedBeforeLlm) Combine(OutputScanner stdout, OutputScanner stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var junction = stdout.Tail + stderr.Head;
        var boundary = stdout.ReachedLlmBoundary || stderr.ReachedLlmBoundary || ContainsAny(junction, ResultClassifier.LlmBoundaryMarkerList);
        var before = stdout.FailedBeforeLlmMarker || stderr.FailedBeforeLlmMarker || ContainsAny(junction, ResultClassifier.FailedBeforeLlmMarkerList);
        return (boundary, !boundary && before);
    }

    private void Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var needed = decoder.GetCharCount(bytes, flush);
        if (needed > decoded.Length)
        {
            decoded = new char[Math.Max(needed, decoded.Length * 2)];
        }

        var count = decoder.GetChars(bytes, decoded, flush);
        Scan(decoded.AsSpan(0, count));
    }

    private void Scan(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        // window = the previous tail + this text lower-cased (U+0130 takes two characters).
        var size = tailLength + (text.Length * 2);
        if (size > window.Length)
        {
            var bigger = new char[Math.Max(size, window.Length * 2)];
            window.AsSpan(0, tailLength).CopyTo(bigger);
            window = bigger;
        }

        var length = tailLength;
        foreach (var c in text)
        {
            switch (c)
            {
                case >= 'A' and <= 'Z':
                    window[length++] = (char)(c + 32);
                    break;
                case < '\u0080':
                    window[length++] = c;
                    break;
                case '\u212A':
                    window[length++] = 'k';
                    break;
                case '\u0130':
                    window[length++] = 'i';
                    window[length++] = '\u0307';
                    break;
                default:
                    window[length++] = Other;
                    break;
            }
        }

        var span = window.AsSpan(0, length);
        if (head.Length < Keep)
        {
            head += new string(span[tailLength..][..Math.Min(Keep - head.Length, length - tailLength)]);
        }

        if (!ReachedLlmBoundary && ContainsAny(span, ResultClassifier.LlmBoundaryMarkerList))
        {
            ReachedLlmBoundary = true;
        }

        if (!FailedBeforeLlmMarker && ContainsAny(span, ResultClassifier.FailedBeforeLlmMarkerList))
        {
            FailedBeforeLlmMarker = true;
        }

        var keep = Math.Min(Keep, length);
        span[(length - keep)..].CopyTo(window);
        tailLength = keep;
    }

    private static bool ContainsAny(ReadOnlySpan<char> text, IReadOnlyList<string> markers)
    {
        foreach (var marker in markers)
        {
            if (text.IndexOf(marker.AsSpan(), StringComparison.Ordinal) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
