using DrainFunctions.Durable.Agents;

namespace DrainFunctions.Durable.Tests;

public sealed class AgentOptionsTests
{
    [Theory]
    [InlineData("batchdrainAB12cd", "batchdrainab12cd-agents")]
    [InlineData("My_Hub--x", "my-hub-x-agents")]
    [InlineData("___", "drain-agents")]
    public void QueueNameFor_TaskHubs_AValidQueueNameOfTheirOwn(string hub, string expected)
    {
        var name = AgentOptions.QueueNameFor(hub);

        Assert.Equal(expected, name);
        Assert.Empty(new AgentOptions { QueueName = name }.Validate());
    }

    [Fact]
    public void QueueNameFor_LongHub_CutToTheQueueLimit()
    {
        var name = AgentOptions.QueueNameFor(new string('h', 200));

        Assert.True(name.Length <= 63, name);
        Assert.Empty(new AgentOptions { QueueName = name }.Validate());
    }

    [Fact]
    public void Validate_BadQueueNameAndTimeout_BothNamed()
    {
        var errors = new AgentOptions { QueueName = "Bad_Queue", HeartbeatTimeout = TimeSpan.Zero }.Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Agents: QueueName 'Bad_Queue'", StringComparison.Ordinal));
        Assert.Contains("Agents: HeartbeatTimeout must be at least 1 second.", errors);
    }
}
