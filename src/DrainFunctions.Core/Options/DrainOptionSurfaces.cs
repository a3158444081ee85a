namespace DrainFunctions.Core.Options;

/// <summary>The places a drain option can be given.</summary>
[Flags]
public enum DrainOptionSurfaces
{
    None = 0,

    /// <summary>A flag of <c>drain</c> (local, or with <c>--endpoint</c>).</summary>
    Cli = 1,

    /// <summary>A field of the HTTP API's request body (<c>POST /api/drains</c>, preview, resume).</summary>
    HttpBody = 2,

    /// <summary>A Function App setting (<c>Drain__BatchSize</c>), used by scheduled drains.</summary>
    AppSettings = 4,

    /// <summary>A policy flag of <c>drain simulate</c>.</summary>
    Simulate = 8,
}
