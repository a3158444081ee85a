using System.CommandLine;
using System.CommandLine.Invocation;

namespace DrainFunctions.Flags;

/// <summary><c>--help</c> of a command that parses its own arguments: its usage text, as written.</summary>
public sealed class UsageText(string usage) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(usage);
        return 0;
    }
}
