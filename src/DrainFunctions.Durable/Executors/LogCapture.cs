using System.Text;
using System.Threading.Channels;
using DrainFunctions.Core.Results;
using DrainFunctions.Durable.Hosting;
using Microsoft.Extensions.Logging;

namespace DrainFunctions.Durable.Executors;

/// <summary>
/// One output stream of the executor, in bounded memory whatever it prints: the first bytes for
/// the excerpt, a streaming marker scan, and the bytes themselves on their way to their log (<see cref="ILogSink"/>).
/// At most <c>bufferBytes</c> wait for storage (plus the block being appended); beyond that the
/// pump stops reading the pipe, so the executor's writes wait instead of the host's memory growing.
/// While storage is unreachable the bytes wait, and are appended once it is back.
/// </summary>
public sealed class LogCapture
{
    /// <summary>Largest append-blob block.</summary>
    public const int MaxAppendBytes = 4 * 1024 * 1024;

    /// <summary>Enough bytes for the first 500 code points whatever the encoding (4 bytes each at most) and a cut sequence.</summary>
    private const int HeadBytes = (ResultClassifier.ExcerptLength * 4) + 8;

    private const int ReadSize = 64 * 1024;

    /// <summary>A block is appended as soon as this much is waiting, without waiting for the flush interval.</summary>
    private const int EagerAppendBytes = 1024 * 1024;

    private readonly ILogSink blob;
    private readonly TimeSpan flushInterval;
    private readonly ILogger logger;
    private readonly Channel<byte[]> pending;
    private readonly byte[] head = new byte[HeadBytes];
    private readonly OutputScanner scanner = new();
    private readonly TaskCompletionSource<DateTimeOffset> finishBy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task uploader;
    private int headLength;
    private bool created;
    private long appended;
    private bool outageLogged;

    public LogCapture(ILogSink sink, int bufferBytes, TimeSpan flushInterval, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(sink);
        blob = sink;
        this.flushInterval = flushInterval;
        this.logger = logger;
        pending = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Math.Max(1, bufferBytes / ReadSize))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        uploader = Task.Run(UploadLoopAsync);
    }

    public string BlobName => blob.Name;

    /// <summary>Bytes read from the executor.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Bytes stored in the blob.</summary>
    public long StoredBytes => Interlocked.Read(ref appended);

    /// <summary>Bytes that could not be stored (storage unreachable past the final timeout).</summary>
    public long DroppedBytes { get; private set; }

    public OutputScanner Scanner => scanner;

    /// <summary>The first 500 code points, as <see cref="ResultClassifier.Excerpt"/> of the whole output.</summary>
    public string Excerpt() => ResultClassifier.Excerpt(Encoding.UTF8.GetString(head, 0, headLength));

    /// <summary>Reads the stream to its end; waits while the buffer is full (back-pressure on the executor).</summary>
    public async Task PumpAsync(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var buffer = new byte[ReadSize];
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                // A full buffer is handed over as it is (and replaced); a partial read is copied out.
                byte[] chunk;
                if (read == buffer.Length)
                {
                    chunk = buffer;
                    buffer = new byte[ReadSize];
                }
                else
                {
                    chunk = buffer.AsSpan(0, read).ToArray();
                }

                Observe(chunk);
                await pending.Writer.WriteAsync(chunk);
            }
        }
        catch (ChannelClosedException)
        {
            // the attempt stopped waiting for this stream (a process kept it open past every kill)
        }
        finally
        {
            scanner.Complete();
            pending.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Waits until every byte read is stored; when storage stays unreachable longer than
    /// <paramref name="timeout"/> the rest is dropped (logged), so that an outage cannot hold the attempt forever.
    /// </summary>
    public async Task FinishAsync(TimeSpan timeout)
    {
        pending.Writer.TryComplete();
        finishBy.TrySetResult(DateTimeOffset.UtcNow + timeout);
        await uploader;
    }

    private void Observe(ReadOnlySpan<byte> chunk)
    {
        TotalBytes += chunk.Length;
        if (headLength < head.Length)
        {
            var n = Math.Min(head.Length - headLength, chunk.Length);
            chunk[..n].CopyTo(head.AsSpan(headLength));
            headLength += n;
        }

        scanner.Feed(chunk);
    }

    private async Task UploadLoopAsync()
    {
        using var batch = new MemoryStream();
        byte[]? carry = null;
        var lastAppend = DateTimeOffset.UtcNow;
        var retryDelay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            // Move what waits into the batch, up to one block.
            while (batch.Length < MaxAppendBytes)
            {
                if (carry is null && !pending.Reader.TryRead(out carry))
                {
                    break;
                }

                if (batch.Length > 0 && batch.Length + carry.Length > MaxAppendBytes)
                {
                    break;
                }

                batch.Write(carry);
                carry = null;
            }

            var drained = carry is null && pending.Reader.Completion.IsCompleted;
            var due = !created
                || batch.Length >= EagerAppendBytes
                || (batch.Length > 0 && (drained || DateTimeOffset.UtcNow - lastAppend >= flushInterval));
            if (due)
            {
                if (await TryStoreAsync(batch))
                {
                    batch.SetLength(0);
                    lastAppend = DateTimeOffset.UtcNow;
                    retryDelay = TimeSpan.FromMilliseconds(500);
                    continue;
                }

                if (finishBy.Task.IsCompleted && DateTimeOffset.UtcNow >= finishBy.Task.Result)
                {
                    DroppedBytes = batch.Length + (carry?.Length ?? 0);
                    while (pending.Reader.TryRead(out var rest))
                    {
                        DroppedBytes += rest.Length;
                    }

                    Log.LogDropped(logger, blob.Name, DroppedBytes, "the final flush timed out");
                    return;
                }

                await Task.Delay(retryDelay);
                retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
                continue;
            }

            if (drained && batch.Length == 0)
            {
                return;
            }

            // Nothing due: wait for more output or for the flush interval.
            var wait = flushInterval - (DateTimeOffset.UtcNow - lastAppend);
            if (batch.Length == 0 || wait <= TimeSpan.Zero)
            {
                wait = flushInterval;
            }

            if (carry is null && batch.Length < MaxAppendBytes)
            {
                await Task.WhenAny(pending.Reader.WaitToReadAsync().AsTask(), Task.Delay(wait));
            }
        }
    }

    /// <summary>Creates the log (once) and appends the batch at its expected position; false while its storage is unreachable.</summary>
    private async Task<bool> TryStoreAsync(MemoryStream batch)
    {
        if (!created)
        {
            if (!Stored(await blob.CreateAsync(), 0))
            {
                return false;
            }

            created = true;
            Interlocked.Exchange(ref appended, 0);
        }

        if (batch.Length == 0)
        {
            return true;
        }

        batch.Position = 0;
        if (!Stored(await blob.AppendAsync(batch, Interlocked.Read(ref appended)), batch.Length))
        {
            return false;
        }

        Interlocked.Add(ref appended, batch.Length);
        return true;
    }

    /// <summary>True when the bytes are done with (stored, or refused for good and dropped); false: keep them and try again.</summary>
    private bool Stored((LogStoreResult Result, string? Why) store, long bytes)
    {
        switch (store.Result)
        {
            case LogStoreResult.Unreachable:
                if (!outageLogged && store.Why is { } why)
                {
                    outageLogged = true;
                    Log.LogFlushFailed(logger, $"{blob.Name}: {why} (kept in memory and retried)");
                }

                return false;
            case LogStoreResult.Refused:
                DroppedBytes += bytes;
                Log.LogDropped(logger, blob.Name, bytes, store.Why ?? "refused");
                return true;
            default:
                outageLogged = false;
                return true;
        }
    }
}
