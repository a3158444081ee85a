using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DrainFunctions.Core.Sessions;

namespace DrainFunctions.Durable.Storage;

/// <summary>
/// The session document cut into blocks: [header][result 0..n-1][footer]. Concatenated they are
/// byte for byte what <see cref="SessionJson.Serialize"/> writes for the whole session, so a
/// reader sees an ordinary session file; a save only has to stage the header, one result and
/// the footer, never the earlier results.
/// </summary>
public static class SessionBlocks
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Block ids must all have the same length within a blob.</summary>
    public static string HeaderId { get; } = Id("H", 0);

    public static string FooterId { get; } = Id("F", 0);

    public static string ResultId(int index) => Id("R", index);

    /// <summary><c>{ ...every header field..., "results": [</c></summary>
    public static byte[] Header(DrainSession session)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            SessionJson.WriteHeader(writer, session);
            writer.WriteStartArray("results");
            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One result as an array element at its depth, with the leading comma when it is not the first.</summary>
    public static byte[] Result(DrainResult result, int index)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("results");
        if (index > 0)
        {
            // A placeholder element makes the writer emit the separator the real one needs.
            writer.WriteNumberValue(0);
        }

        writer.Flush();
        var start = buffer.WrittenCount;
        SessionJson.WriteResult(writer, result);
        writer.Flush();
        var bytes = buffer.WrittenSpan[start..].ToArray();
        return bytes;
    }

    /// <summary><c>]}</c> with the indentation an empty or non-empty list gets.</summary>
    public static byte[] Footer(int resultCount) =>
        Encoding.UTF8.GetBytes(resultCount == 0 ? "]\n}" : "\n  ]\n}");

    private static string Id(string kind, int index) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(kind + index.ToString("D9", System.Globalization.CultureInfo.InvariantCulture)));
}
