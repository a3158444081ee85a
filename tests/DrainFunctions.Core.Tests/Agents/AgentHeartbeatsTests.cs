using DrainFunctions.Core.Agents;

namespace DrainFunctions.Core.Tests.Agents;

public class AgentHeartbeatsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(29, false)]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public void IsLost_SilenceAroundTheTimeout_LostOnlyPastIt(int silentSeconds, bool lost) =>
        Assert.Equal(lost, AgentHeartbeats.IsLost(T0, T0.AddHours(-1), T0.AddSeconds(silentSeconds), Timeout));

    [Fact]
    public void IsLost_WatcherRestartedAfterTheLastBeat_CountsFromTheRestart()
    {
        // The server was down for ten minutes: nobody could beat; the agent gets a full timeout from the restart.
        var restart = T0.AddMinutes(10);

        Assert.False(AgentHeartbeats.IsLost(T0, restart, restart.AddSeconds(20), Timeout));
        Assert.True(AgentHeartbeats.IsLost(T0, restart, restart.AddSeconds(31), Timeout));
    }

    [Fact]
    public void CheckInterval_ATimeout_AThirdButNeverBelowOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), AgentHeartbeats.CheckInterval(Timeout));
        Assert.Equal(TimeSpan.FromSeconds(1), AgentHeartbeats.CheckInterval(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void IntervalFor_ATimeout_SixBeatsFitInIt() =>
        Assert.Equal(TimeSpan.FromSeconds(5), AgentHeartbeats.IntervalFor(Timeout));

    [Theory]
    [InlineData("box-7", true)]
    [InlineData("build.agent_2", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("../etc", false)]
    public void IsValid_Names_OnlyTheSafeAlphabet(string name, bool valid) => Assert.Equal(valid, AgentNames.IsValid(name));

    [Fact]
    public void Default_MachineWithOddCharacters_MadeSafeAndUniquePerProcess()
    {
        var name = AgentNames.Default("my box!", 4242);

        Assert.Equal("my-box--4242", name);
        Assert.True(AgentNames.IsValid(name));
        Assert.True(AgentNames.IsValid(AgentNames.Default(new string('m', 100), 1)));
    }
}
