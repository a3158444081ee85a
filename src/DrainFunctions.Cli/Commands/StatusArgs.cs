namespace DrainFunctions.Cli.Commands;

/// <summary><c>drain status ID [--output table|json] [--endpoint URL [--key KEY]]</c>.</summary>
public sealed record StatusArgs(string SessionId, StatusOutput Output = StatusOutput.Table, DrainEndpoint? Endpoint = null);
