using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DrainFunctions.Durable.Storage;

/// <summary>
/// Ids (run, phase, session, attempt) made into parts of blob names. Ids come from Autopack's
/// database and from callers, so any text may arrive: <c>../../x</c> must not leave its folder,
/// two different ids must never share a blob, and a 10 KB id must not exceed Azure's limits
/// (1,024 characters per name, 254 per path segment). Ordinary ids (letters, digits, <c>-</c>,
/// <c>_</c>, <c>.</c>) keep their names unchanged.
/// </summary>
public static class BlobNames
{
    /// <summary>Azure Storage: a path segment of a blob name has at most 254 characters.</summary>
    public const int MaxSegmentLength = 254;

    /// <summary>Azure Storage: a blob name has at most 1,024 characters.</summary>
    public const int MaxNameLength = 1024;

    /// <summary>Characters of an id's escaped form kept readable in front of the hash of a too long name.</summary>
    private const int ReadablePrefix = 100;

    /// <summary>
    /// Escapes one id: letters, digits, <c>-</c> and <c>.</c> stay; <c>_</c> stays unless it is
    /// first, last or next to another <c>_</c>; everything else becomes <c>%XX</c> (UTF-8). Decoding
    /// the <c>%XX</c> gives the id back, so two ids never escape alike; the result never holds
    /// <c>/</c>, <c>~</c> or <c>__</c>, never starts or ends with <c>_</c>, and is never empty
    /// (the empty id is <c>_</c>, which no other id gives). That keeps <c>run__phase</c> splittable:
    /// its only <c>__</c> is the separator.
    /// </summary>
    public static string Escape(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Length == 0)
        {
            return "_";
        }

        var sb = new StringBuilder(id.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < id.Length; i++)
        {
            var c = id[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
            {
                sb.Append(c);
            }
            else if (c == '_' && i > 0 && i < id.Length - 1 && id[i - 1] != '_' && id[i + 1] != '_')
            {
                sb.Append(c);
            }
            else if (Rune.TryGetRuneAt(id, i, out var rune))
            {
                var count = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..count])
                {
                    sb.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
                }

                i += rune.Utf16SequenceLength - 1;
            }
            else
            {
                // A lone surrogate has no UTF-8 form; %uXXXX cannot be mistaken for a byte (u is not hex).
                sb.Append(CultureInfo.InvariantCulture, $"%u{(int)c:X4}");
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// One id as a whole path segment, at most <see cref="MaxSegmentLength"/> characters together
    /// with <paramref name="suffixLength"/> characters that follow it (<c>.json</c>, <c>.stop</c>).
    /// Escaped like <see cref="Escape"/>, plus a trailing <c>.</c> (so neither <c>.</c> nor <c>..</c>
    /// can be a segment); too long: a readable prefix, <c>~</c>, and a hash of the id.
    /// </summary>
    public static string Segment(string id, int suffixLength = 0)
    {
        var escaped = Escape(id);
        if (escaped.EndsWith('.'))
        {
            escaped = escaped[..^1] + "%2E";
        }

        return escaped.Length + suffixLength <= MaxSegmentLength ? escaped : Cut(escaped, ReadablePrefix) + "~" + Hash(id);
    }

    /// <summary>
    /// <c>run__phase</c> for a log blob, at most <see cref="MaxSegmentLength"/> characters with a
    /// suffix of <paramref name="suffixLength"/>; too long: both ids cut to a readable prefix, then
    /// <c>~</c> and a hash of the pair (<c>~</c> never occurs in an escaped id, so a cut name never
    /// equals a whole one).
    /// </summary>
    public static string Pair(string first, string second, int suffixLength)
    {
        var whole = Escape(first) + "__" + Escape(second);
        return whole.Length + suffixLength <= MaxSegmentLength
            ? whole
            : Cut(Escape(first), ReadablePrefix) + "__" + Cut(Escape(second), ReadablePrefix) + "~" + Hash(first.Length.ToString(CultureInfo.InvariantCulture) + ":" + first + second);
    }

    /// <summary>The first <paramref name="length"/> characters of an escaped id, never ending inside a <c>%XX</c>.</summary>
    internal static string Cut(string escaped, int length)
    {
        if (escaped.Length <= length)
        {
            return escaped;
        }

        var cut = escaped[..length];
        var percent = cut.LastIndexOf('%');
        var escapeLength = percent >= 0 && percent + 1 < escaped.Length && escaped[percent + 1] == 'u' ? 6 : 3;
        return percent >= 0 && percent + escapeLength > length ? cut[..percent] : cut;
    }

    /// <summary>
    /// 128 bits of SHA-256 in hex: collisions are out of reach for ids anyone can choose. Hashed as
    /// UTF-16 code units, so that ids differing only in lone surrogates still differ.
    /// </summary>
    internal static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan())))[..32];
}
