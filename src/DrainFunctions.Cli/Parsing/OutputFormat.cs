using System.CommandLine;
using System.Text.Json;
using DrainFunctions.Flags;

namespace DrainFunctions.Cli.Parsing;

/// <summary><c>--output table|json</c> of the commands that show stored things.</summary>
public static class OutputFormat
{
    public const string Table = "table";
    public const string Json = "json";

    /// <summary>The JSON of <c>--output json</c>: camelCase as the HTTP API's, indented.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(DrainFunctions.Durable.Api.ApiResult.JsonOptions) { WriteIndented = true };

    public static Option<string?> Create(string defaultFormat, string meaning)
    {
        var option = Flag.Choice("--output", meaning, Table, Json);
        option.DefaultValueFactory = _ => defaultFormat;
        return option;
    }

    public static string Of(ParseResult parsed, Option<string?> option)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.GetValue(option) ?? Table;
    }
}
