using DrainFunctions.Core.Options;

namespace DrainFunctions.Core.Tests.Options;

public class DrainSlotTests
{
    [Theory]
    [InlineData("api=http://127.0.0.1:8001", "http://127.0.0.1:8001", null)]
    [InlineData("api=https://a.example/x,workspace=/srv/autopack-2", "https://a.example/x", "/srv/autopack-2")]
    [InlineData(" workspace=/w , api=http://h:1 ", "http://h:1", "/w")]
    public void Parse_WellFormed_GivesTheSlot(string text, string api, string? workspace)
    {
        var (slot, problem) = DrainSlot.Parse(text, 2);

        Assert.Null(problem);
        Assert.Equal(new DrainSlot(2, api, workspace), slot);
    }

    [Theory]
    [InlineData("workspace=/w", "needs api=URL (api=URL[,workspace=DIR])")]
    [InlineData("api=localhost:8000", "api= must be an absolute http:// or https:// URL (api=URL[,workspace=DIR])")]
    [InlineData("api=http://h:1,workspace=relative/dir", "workspace= must be an absolute directory path (api=URL[,workspace=DIR])")]
    [InlineData("api=http://h:1,api=http://h:2", "gives api= twice (api=URL[,workspace=DIR])")]
    [InlineData("api=http://h:1,port=8", "unknown key 'port' (allowed: api, workspace; api=URL[,workspace=DIR])")]
    [InlineData("api=", "api= needs a value (api=URL[,workspace=DIR])")]
    public void Parse_Malformed_SaysWhatIsWrong(string text, string expected)
    {
        var (slot, problem) = DrainSlot.Parse(text, 1);

        Assert.Null(slot);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void ParallelSlots_NotGiven_OnePerSlotElseOne()
    {
        Assert.Equal(1, new DrainOptions().ParallelSlots());
        Assert.Equal(2, new DrainOptions { Slots = ["api=http://h:1", "api=http://h:2"] }.ParallelSlots());
        Assert.Equal(1, new DrainOptions { Parallel = 1, Slots = ["api=http://h:1", "api=http://h:2"] }.ParallelSlots());
    }

    [Fact]
    public void SlotFor_GivenAndMissingSlots_SlotsOwnElseTheDrainsApiUrl()
    {
        var options = new DrainOptions { ApiUrl = "http://shared:9", Slots = ["api=http://h:1,workspace=/w1"] };

        Assert.Equal(new DrainSlot(1, "http://h:1", "/w1"), options.SlotFor(1));
        Assert.Equal(new DrainSlot(2, "http://shared:9", null), options.SlotFor(2));
    }

    [Fact]
    public void Validate_MoreParallelThanSlots_RefusedNamingParallel()
    {
        var errors = new DrainOptions { Parallel = 3, Slots = ["api=http://h:1", "api=http://h:2"] }.Validate();

        var error = Assert.Single(errors);
        Assert.Equal("parallel", error.Name);
        Assert.Equal("must be at most the number of slots given (2) (got 3)", error.Message);
    }

    [Fact]
    public void Validate_MalformedSlot_RefusedNamingSlot()
    {
        var error = Assert.Single(new DrainOptions { Slots = ["api=http://h:1", "bogus"] }.Validate());

        Assert.Equal("slot", error.Name);
        Assert.StartsWith("unknown key 'bogus'", error.Message, StringComparison.Ordinal);
    }
}
