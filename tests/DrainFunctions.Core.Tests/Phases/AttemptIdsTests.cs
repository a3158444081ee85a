using DrainFunctions.Core.Phases;

namespace DrainFunctions.Core.Tests.Phases;

public class AttemptIdsTests
{
    [Fact]
    public void For_SameInputs_SameIdOfGuidShape()
    {
        var first = AttemptIds.For("token-1", "batch-drain-20260105-000000", 3, "run-a:p1");
        var again = AttemptIds.For("token-1", "batch-drain-20260105-000000", 3, "run-a:p1");

        Assert.Equal(first, again);
        Assert.Matches("^[0-9a-f]{32}$", first);
    }

    [Fact]
    public void For_KnownInputs_KnownId()
    {
        // Pinned: markers written by one version are found again by the next.
        Assert.Equal("a0ebc45abffc3fe85251fe79d20444ec", AttemptIds.For("t", "s", 0, "r:p"));
    }

    [Theory]
    [InlineData("token-2", "batch-drain-20260105-000000", 3, "run-a:p1")]
    [InlineData("token-1", "batch-drain-20260105-000001", 3, "run-a:p1")]
    [InlineData("token-1", "batch-drain-20260105-000000", 4, "run-a:p1")]
    [InlineData("token-1", "batch-drain-20260105-000000", 3, "run-a:p2")]
    public void For_AnyPartDiffers_DifferentId(string token, string session, int ordinal, string key)
    {
        Assert.NotEqual(AttemptIds.For("token-1", "batch-drain-20260105-000000", 3, "run-a:p1"), AttemptIds.For(token, session, ordinal, key));
    }

    [Fact]
    public void For_NegativeOrdinal_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AttemptIds.For("t", "s", -1, "r:p"));
    }
}
