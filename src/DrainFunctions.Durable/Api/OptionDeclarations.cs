using DrainFunctions.Core.Options;

namespace DrainFunctions.Durable.Api;

/// <summary>
/// <c>GET /api/options</c>: the drain options a request body takes, as <see cref="DrainOptionCatalog"/>
/// declares them (the same declarations the CLI's flags and the API's validation come from), with
/// this host's defaults. The dashboard builds its start form from it.
/// </summary>
public static class OptionDeclarations
{
    public static ApiResult Answer(DrainOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        return ApiResult.Ok(new
        {
            options = DrainOptionCatalog.On(DrainOptionSurfaces.HttpBody).Select(spec => new
            {
                name = spec.JsonName,
                flag = spec.Flag ?? spec.NegatedFlag,
                kind = KindName(spec.Kind),
                help = spec.Help,
                metavar = spec.Metavar,
                @default = spec.Get(defaults),
                optional = spec.IsOptional,
                allowed = spec.Allowed,
                choices = spec.Choices,
                minimum = spec.Bounds.Minimum,
                minimumExclusive = spec.Bounds.MinimumExclusive ? true : (bool?)null,
                maximum = spec.Bounds.Maximum,
                maxLength = spec.Bounds.MaxLength,
                maxCount = spec.Bounds.MaxCount,
            }).ToList(),
        });
    }

    /// <summary>The kind as the page reads it (stable names, not the enum's).</summary>
    private static string KindName(DrainOptionKind kind) => kind switch
    {
        DrainOptionKind.WholeNumber => "integer",
        DrainOptionKind.Number => "number",
        DrainOptionKind.Switch => "boolean",
        DrainOptionKind.Text => "text",
        _ => "textList",
    };
}
