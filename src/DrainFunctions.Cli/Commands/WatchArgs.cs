namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain watch ID [--endpoint URL [--key KEY]]</c>.</summary>
public sealed record WatchArgs(string SessionId, DrainEndpoint? Endpoint = null);
