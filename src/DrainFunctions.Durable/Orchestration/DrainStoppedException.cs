namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// Ends a drain orchestration that cannot go on (a step failed for good, or the database or
/// storage stayed unreachable past the tolerance). Its message, the orchestration's failure
/// message, always says which step failed and why; the session stays resumable.
/// </summary>
public sealed class DrainStoppedException : Exception
{
    public DrainStoppedException()
        : base("the drain stopped")
    {
    }

    public DrainStoppedException(string message)
        : base(string.IsNullOrWhiteSpace(message) ? "the drain stopped (no reason was given)" : message)
    {
    }

    public DrainStoppedException(string message, Exception innerException)
        : base(string.IsNullOrWhiteSpace(message) ? "the drain stopped (no reason was given)" : message, innerException)
    {
    }
}
