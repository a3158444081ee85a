namespace DrainFunctions.Core.Agents;

/// <summary>An agent's name: shown in lists and results, and part of blob names, so kept to a safe alphabet.</summary>
public static class AgentNames
{
    public const int MaxLength = 64;

    public const string Rule = "1-64 characters: letters, digits, '.', '_' and '-'";

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The default: the machine and the process, so that two agents on one machine differ.</summary>
    public static string Default(string machine, int processId)
    {
        var safe = new string([.. (machine ?? "agent").Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        var name = $"{safe}-{processId}";
        return name.Length <= MaxLength ? name : name[^MaxLength..];
    }
}
