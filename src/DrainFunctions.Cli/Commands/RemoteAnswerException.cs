namespace DrainFunctions.Cli.Commands;

/// <summary>The HTTP API answered what a command cannot use (no key, a server error...): printed as one line, exit 1.</summary>
public sealed class RemoteAnswerException : Exception
{
    public RemoteAnswerException(string message)
        : base(message)
    {
    }

    public RemoteAnswerException()
        : base("the HTTP API gave an unexpected answer")
    {
    }

    public RemoteAnswerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
