namespace DrainFunctions.Cli.Commands;

/// <summary><c>--output</c>: lines for people (default) or one JSON object for programs.</summary>
public enum StatusOutput
{
    Table,
    Json,
}
