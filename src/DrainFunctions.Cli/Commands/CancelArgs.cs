namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain cancel ID [--now] [--endpoint URL [--key KEY]]</c>.</summary>
public sealed record CancelArgs(string SessionId, bool Now = false, DrainEndpoint? Endpoint = null);
