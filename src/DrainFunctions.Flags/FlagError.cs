namespace DrainFunctions.Flags;

/// <summary>The words of a usage error: <c>argument --flag: problem</c>, as argparse wrote them.</summary>
public static class FlagError
{
    public static string Text(string flag, string problem) => $"argument {flag}: {problem}";

    /// <summary>A value as echoed in an error: long ones are cut, so a pasted file does not flood the terminal.</summary>
    public static string Shorten(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= 40 ? text : text[..40] + "...";
    }
}
