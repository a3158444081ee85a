namespace DrainFunctions.LocalHost;

/// <summary>
/// The local storage (Azurite) could not be started or reached: infrastructure trouble, reported
/// in one line; the durable state it holds stays resumable.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
        : base("the local storage is unavailable")
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
