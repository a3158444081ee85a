using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Tests.Infrastructure;

/// <summary>The context of an activity class run directly by a test, outside any orchestration.</summary>
internal sealed class NamedActivityContext(string name) : TaskActivityContext
{
    public override TaskName Name => name;

    public override string InstanceId => "test-instance";
}
