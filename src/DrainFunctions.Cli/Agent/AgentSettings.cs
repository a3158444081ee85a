using DrainFunctions.Cli.Commands;

namespace DrainFunctions.Cli.Agent;

/// <summary><c>drain agent</c>'s flags, checked.</summary>
public sealed record AgentSettings(DrainEndpoint Endpoint, string Name, string? ApiUrl, string Kind, string? CommandTemplate, string? Workspace);
