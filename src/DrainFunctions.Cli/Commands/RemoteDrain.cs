using DrainFunctions.Cli.Local;

namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain --endpoint URL --key KEY</c>: the same drain, run by a deployed Function App over its HTTP API.</summary>
public static class RemoteDrain
{
    public static Task<int> RunAsync(DrainInvocation invocation, TextWriter stdout, TextWriter stderr, Interrupts interrupts)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        throw UsageException.ForFlag("--endpoint", "driving a Function App over HTTP is not available in this build; run the drain locally (without --endpoint)");
    }
}
