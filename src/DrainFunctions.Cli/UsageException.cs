namespace DrainFunctions.Cli;

/// <summary>Bad command-line input: printed as <c>drain: error: ...</c> with exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
        : base("invalid arguments")
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static UsageException ForFlag(string flag, string problem) => new(DrainFunctions.Flags.FlagError.Text(flag, problem));
}
