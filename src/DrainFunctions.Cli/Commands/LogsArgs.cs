namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain logs ID RUN PHASE [--follow] [--endpoint URL [--key KEY]]</c>.</summary>
public sealed record LogsArgs(string SessionId, string RunId, string PhaseId, bool Follow = false, DrainEndpoint? Endpoint = null);
