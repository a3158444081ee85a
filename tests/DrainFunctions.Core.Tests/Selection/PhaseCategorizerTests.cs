using DrainFunctions.Core.Selection;

namespace DrainFunctions.Core.Tests.Selection;

public class PhaseCategorizerTests
{
    [Theory]
    [InlineData(null, PhaseCategory.Unknown)]
    [InlineData("", PhaseCategory.Unknown)]
    [InlineData("   ", PhaseCategory.Other)]
    [InlineData("CI collection/import error", PhaseCategory.Collection)]
    [InlineData("ImportError: no module", PhaseCategory.Collection)]
    [InlineData("Missing deliverable docs/a.md", PhaseCategory.Deliverable)]
    [InlineData("file missing", PhaseCategory.Deliverable)]
    [InlineData("Patch apply failed", PhaseCategory.Patch)]
    [InlineData("no-op change", PhaseCategory.Patch)]
    [InlineData("manifest mismatch", PhaseCategory.Patch)]
    [InlineData("Builder TIMEOUT", PhaseCategory.Timeout)]
    [InlineData("phase timed out", PhaseCategory.Timeout)]
    [InlineData("assertion failed", PhaseCategory.Other)]
    // First match wins: an import timeout is a collection error, a missing patch a deliverable one.
    [InlineData("import timed out", PhaseCategory.Collection)]
    [InlineData("patch missing", PhaseCategory.Deliverable)]
    [InlineData("patch timed out", PhaseCategory.Patch)]
    public void Categorize_Reason_FirstMatchingRuleWins(string? reason, PhaseCategory expected)
    {
        Assert.Equal(expected, PhaseCategorizer.Categorize(reason));
    }

    [Fact]
    public void Compare_MixedCandidates_OrdersByCategoryIndexRunPhase()
    {
        PhaseCandidate[] candidates =
        [
            new("r2", "p9", 0, "timed out"),
            new("r1", "p1", 3, "assertion"),
            new("r2", "p2", 1, "patch failed"),
            new("r1", "p3", 1, "patch failed"),
            new("r1", "p2", 1, "patch failed"),
            new("r3", "p1", 9, null),
            new("r0", "p1", 5, "import error"),
        ];

        var ordered = candidates.Order(PhaseOrder.Instance).Select(c => c.Key);

        Assert.Equal(["r3:p1", "r0:p1", "r1:p2", "r1:p3", "r2:p2", "r1:p1", "r2:p9"], ordered);
    }

    [Fact]
    public void CompareCodePoints_CharactersAboveSurrogates_UseUtf8ByteOrder()
    {
        // U+FF21 sorts before U+1F600 in code-point (UTF-8 byte) order but after it in UTF-16 order.
        Assert.True(PhaseOrder.CompareCodePoints("\uFF21", "\U0001F600") < 0);
        Assert.True(string.CompareOrdinal("\uFF21", "\U0001F600") > 0);
    }
}
