using DrainFunctions.Core.Sessions;
using DrainFunctions.Durable.Storage;

namespace DrainFunctions.Durable.Tests;

public sealed class StoredTotalsTests
{
    [Fact]
    public void FormatThenParse_Header_SameTotals()
    {
        var header = new DrainSession
        {
            SessionId = "batch-drain-20260105-000000",
            BatchSize = 10,
            CompletedAt = "2026-01-05T01:00:00+00:00",
            State = new PolicyState { TotalProcessed = 7, TotalSuccess = 3, TotalFailed = 4, TotalTimeouts = 2, TotalTelemetryEvents = 12_345_678_901 },
        };

        var tag = StoredTotals.Of(header).Format();

        Assert.Equal("v1;1;7;10;3;4;2;12345678901", tag);
        Assert.Equal(new StoredTotals(true, 7, 10, 3, 4, 2, 12_345_678_901), StoredTotals.Parse(tag));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v2;1;7;10;3;4;2;5")]
    [InlineData("v1;2;7;10;3;4;2;5")]
    [InlineData("v1;1;7;10;3;4;2")]
    [InlineData("v1;1;-7;10;3;4;2;5")]
    [InlineData("v1;1;99999999999;10;3;4;2;5")]
    public void Parse_NotATag_Null(string? tag) => Assert.Null(StoredTotals.Parse(tag));
}
