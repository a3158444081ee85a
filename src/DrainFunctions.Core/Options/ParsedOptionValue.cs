namespace DrainFunctions.Core.Options;

/// <summary>A value read from text: the value, or the error that names what the option allows.</summary>
public sealed record ParsedOptionValue(object? Value, string? Error)
{
    public bool Succeeded => Error is null;

    public static ParsedOptionValue Of(object? value) => new(value, null);

    public static ParsedOptionValue Refused(string error) => new(null, error);
}
