namespace DrainFunctions.Cli;

/// <summary>
/// Something named on the command line is not there (a stored session, a run in the ledger):
/// printed as <c>drain: ...</c> with exit code 1; the input itself was well formed.
/// </summary>
public sealed class NotFoundException : Exception
{
    public NotFoundException(string message)
        : base(message)
    {
    }

    public NotFoundException()
        : base("not found")
    {
    }

    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
