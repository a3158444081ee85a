namespace DrainFunctions.Core.Options;

/// <summary>
/// The values a drain option allows. Numbers: <see cref="Minimum"/> (exclusive when
/// <see cref="MinimumExclusive"/>) and <see cref="Maximum"/>, whose <see cref="MaximumMeaning"/>
/// says why it is there ("7 days"). Texts: <see cref="MaxLength"/> characters, and for lists at most
/// <see cref="MaxCount"/> items.
/// </summary>
public sealed record DrainOptionBounds
{
    public double? Minimum { get; init; }

    public bool MinimumExclusive { get; init; }

    public double? Maximum { get; init; }

    public string? MaximumMeaning { get; init; }

    public int? MaxLength { get; init; }

    public int? MaxCount { get; init; }
}
