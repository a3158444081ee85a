using System.Text;
using DrainFunctions.Core.Results;
using DrainFunctions.Durable.Executors;
using DrainFunctions.Durable.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DrainFunctions.Durable.Tests;

/// <summary>Issue 19 item 12: executor output in bounded memory, with the same excerpts and markers as on the whole output.</summary>
public sealed class OutputScannerTests
{
    public static TheoryData<string, string> Outputs => new()
    {
        { "nothing special here", "" },
        { "Error: MAX_TURNS reached", "" },
        { "the Context Window Exceeded after 40 turns", "and more" },
        { "pydantic Validation Error: field", "" },
        { "ends with conversation too", " long in stderr" },
        { "validation", " error across the streams" },
        { "\u212Aelvin: TO\u212AEN LIMIT EXCEEDED", "" },
        { "\u0130nvalid phase and İnvalid Phase", "x" },
        { "caf\u00e9 \ud83d\ude00 emoji then exceeded maximum", "\u03a3\u03a3 sigma" },
        { "permission denied", "max_turns" },
        { new string('x', 70_000) + "database error" + new string('y', 10), "" },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void OutputScanner_AnyChunking_SameAnswersAsTheWholeOutput(string stdout, string stderr)
    {
        var expectedBoundary = ResultClassifier.ReachedLlmBoundary(stdout, stderr);
        var expectedBefore = !expectedBoundary && ResultClassifier.ZeroYieldReason(false, 1, null, stdout, stderr) == "failed_before_llm";
        var random = new Random(19);
        foreach (var chunk in new[] { 1, 2, 3, 7, 64, 4096, int.MaxValue })
        {
            for (var round = 0; round < 3; round++)
            {
                var o = Feed(Encoding.UTF8.GetBytes(stdout), chunk, random);
                var e = Feed(Encoding.UTF8.GetBytes(stderr), chunk, random);
                var (boundary, before) = OutputScanner.Combine(o, e);
                Assert.Equal(expectedBoundary, boundary);
                Assert.Equal(expectedBefore, before);
            }
        }
    }

    [Fact]
    public void OutputScanner_InvalidAndCutUtf8_SameAsDecodingTheWhole()
    {
        // A marker after invalid bytes and a multi-byte sequence cut by the end of a read.
        var bytes = new byte[] { 0xff, 0xfe, (byte)'m', (byte)'a', (byte)'x', 0xe2, 0x82 }
            .Concat(Encoding.UTF8.GetBytes("_turns max_turns")).ToArray();
        var whole = Encoding.UTF8.GetString(bytes);
        var scanner = Feed(bytes, 6, new Random(1));
        Assert.Equal(ResultClassifier.ReachedLlmBoundary(whole, string.Empty), OutputScanner.Combine(scanner, Feed([], 1, new Random(1))).ReachedLlmBoundary);
    }

    private static OutputScanner Feed(byte[] bytes, int chunk, Random random)
    {
        var scanner = new OutputScanner();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var size = chunk == int.MaxValue ? bytes.Length : Math.Max(1, random.Next(1, chunk + 1));
            size = Math.Min(size, bytes.Length - offset);
            scanner.Feed(bytes.AsSpan(offset, size));
            offset += size;
        }

        scanner.Complete();
        return scanner;
    }
}

[Collection(DurableSerialGroup.Name)]
public sealed class LargeOutputTests
{
    [Fact]
    public async Task ProcessExecutor_OutputBeyondOldCaptureLimit_StoredWholeWithExcerptAndLateMarker()
    {
        await using var bed = await TestBed.CreateAsync();
        var script = Path.Combine(bed.Directory, "loud.sh");

        // 24 MiB of stdout (the old capture kept 16 MiB), then a boundary marker at its very end.
        await File.WriteAllTextAsync(script, "#!/usr/bin/env bash\nprintf '\\xc3\\xa9'\nhead -c 25165822 /dev/zero | tr '\\0' 'a'\necho ' agent stopped: MAX_TURNS'\necho 'warning' >&2\n");
        await using var services = bed.BuildServices(o => o.CommandTemplate = $"bash '{script}'");
        var executor = services.GetRequiredService<IPhaseExecutor>();

        var run = await executor.RunAsync(new ExecutorRequest("s", "r", "p", 0, DateTimeOffset.UtcNow.AddSeconds(120), null), CancellationToken.None);

        Assert.Equal(0, run.ReturnCode);
        Assert.Equal(25165824 + 26 + 8, run.OutputBytes);
        Assert.Equal("\u00e9" + new string('a', 499), run.StdoutExcerpt);
        Assert.True(run.ReachedLlmBoundary, "the marker after 24 MiB of output was not seen");
        var blob = bed.Blobs.GetBlobClient(run.StdoutPath);
        Assert.Equal(25165824 + 26, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.Equal("warning\n", await bed.ReadBlobAsync(run.StderrPath));
    }
}
