namespace DrainFunctions.Core.Sessions;

/// <summary>A session document that cannot be read; the message names the source and the field.</summary>
public sealed class SessionFormatException : Exception
{
    public SessionFormatException(string source, string? field, string problem, Exception? inner = null)
        : base(field is null ? $"{source}: {problem}" : $"{source}: field '{field}' {problem}", inner)
    {
        SourceName = source;
        Field = field;
        Problem = problem;
    }

    public SessionFormatException()
        : this("session", null, "is not a valid session")
    {
    }

    public SessionFormatException(string message)
        : this("session", null, message)
    {
    }

    public SessionFormatException(string message, Exception innerException)
        : this("session", null, message, innerException)
    {
    }

    public string SourceName { get; }

    public string? Field { get; }

    public string Problem { get; }
}
