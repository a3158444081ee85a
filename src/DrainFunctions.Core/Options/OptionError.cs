namespace DrainFunctions.Core.Options;

/// <summary>One invalid option: <paramref name="Name"/> is the flag name without dashes.</summary>
public sealed record OptionError(string Name, string Message)
{
    public string FlagName => "--" + Name;

    /// <summary>The option's name in the HTTP API (camelCase, as declared: <c>skipRunPrefixes</c>).</summary>
    public string JsonName => DrainOptionCatalog.Find(Name)?.JsonName ?? DrainOptionSpec.CamelCase(Name);
}
