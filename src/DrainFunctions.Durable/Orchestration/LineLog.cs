namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The progress lines emitted so far, numbered; only the most recent are kept (at most
/// <see cref="MaxLines"/> lines and <see cref="MaxChars"/> characters) so that the custom status
/// stays well under its 16 KB (UTF-16) limit and the carried input stays small.
/// </summary>
public sealed class LineLog
{
    public const int MaxLines = 200;
    public const int MaxChars = 4000;

    private readonly Queue<ProgressLine> lines;
    private int chars;

    public LineLog(long sequence, IEnumerable<ProgressLine> recent)
    {
        Sequence = sequence;
        lines = new Queue<ProgressLine>(recent ?? []);
        chars = lines.Sum(l => l.Text.Length);
        Trim();
    }

    public long Sequence { get; private set; }

    public void Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Sequence++;
        lines.Enqueue(new ProgressLine(Sequence, text));
        chars += text.Length;
        Trim();
    }

    public void AddRange(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            Add(text);
        }
    }

    public List<ProgressLine> Snapshot() => [.. lines];

    private void Trim()
    {
        while (lines.Count > 1 && (lines.Count > MaxLines || chars > MaxChars))
        {
            chars -= lines.Dequeue().Text.Length;
        }
    }
}
