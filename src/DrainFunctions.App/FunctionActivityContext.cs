using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace DrainFunctions.App;

/// <summary>The activity context the library's activity classes get when a Function runs them.</summary>
internal sealed class FunctionActivityContext(string name, FunctionContext function) : TaskActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } =
        function.BindingContext.BindingData.TryGetValue("instanceId", out var id) ? id?.ToString() ?? string.Empty : string.Empty;
}
