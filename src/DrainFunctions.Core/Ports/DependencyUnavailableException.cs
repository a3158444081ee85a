namespace DrainFunctions.Core.Ports;

/// <summary>
/// A database or the storage account could not be reached (or stayed busy) through every quick
/// retry. Worth another try later: the durable drain pauses on it instead of failing. The message
/// always names what was unreachable and what was being done, with any password masked.
/// </summary>
public class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException()
        : base("a database or the storage account is unreachable")
    {
    }

    public DependencyUnavailableException(string message)
        : base(message)
    {
    }

    public DependencyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
