using System.Globalization;

namespace DrainFunctions.Core.Options;

/// <summary>
/// The declaration of one drain option: its names on every surface (flag, JSON field, setting),
/// its help, kind, default and bounds, and how it is read from and written to
/// <see cref="DrainOptions"/>. Every surface (the CLI, the HTTP body, the Function App settings,
/// the simulator) is derived from <see cref="DrainOptionCatalog.All"/>.
/// </summary>
public sealed class DrainOptionSpec
{
    private static readonly DrainOptions Defaults = new();

    /// <summary>The flag name without dashes (<c>batch-size</c>): the key of <see cref="OptionError"/>.</summary>
    public required string Name { get; init; }

    /// <summary>The flag that gives the option (<c>--batch-size</c>); null when only <see cref="NegatedFlag"/> exists.</summary>
    public string? Flag { get; init; }

    /// <summary>The switch that turns a default-on option off (<c>--no-skip-runs-with-queued</c>, <c>--no-ledger</c>).</summary>
    public string? NegatedFlag { get; init; }

    /// <summary>The value's placeholder in usage text (N, RUN, URL, PREFIX, M); null for switches.</summary>
    public string? Metavar { get; init; }

    /// <summary>The help of <see cref="Flag"/> (the Python tool's text where it has the flag).</summary>
    public required string Help { get; init; }

    /// <summary>The help of <see cref="NegatedFlag"/>.</summary>
    public string? NegatedHelp { get; init; }

    public required DrainOptionKind Kind { get; init; }

    public DrainOptionBounds Bounds { get; init; } = new();

    /// <summary>The field of the HTTP body (camelCase).</summary>
    public required string JsonName { get; init; }

    /// <summary>The key under the <c>Drain</c> settings section (<c>BatchSize</c>); null when not a setting.</summary>
    public string? SettingKey { get; init; }

    /// <summary>A configuration key read before <c>Drain:</c><see cref="SettingKey"/> (<c>Executor:ApiUrl</c>).</summary>
    public string? SharedSettingKey { get; init; }

    public required DrainOptionSurfaces Surfaces { get; init; }

    /// <summary>The option's value in <see cref="DrainOptions"/>, of <see cref="ValueType"/>.</summary>
    public required Func<DrainOptions, object?> Get { get; init; }

    /// <summary>The options with this option set to a value of <see cref="ValueType"/>.</summary>
    public required Func<DrainOptions, object?, DrainOptions> Set { get; init; }

    /// <summary>Refuses an empty item, before its length is checked (the message).</summary>
    public Func<string, string?>? EmptyRule { get; init; }

    /// <summary>Refuses a malformed item, after its length is checked (the message).</summary>
    public Func<string, string?>? FormatRule { get; init; }

    /// <summary>What separates a list's items in a Function App setting (a slot's own parts use commas).</summary>
    public char ListSeparator { get; init; } = ',';

    /// <summary>The only values a text option takes (<c>--prioritize seed|yield|forecast</c>); null when any text goes.</summary>
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>What the items of a list are called in the count error ("prefixes").</summary>
    public string? ItemNoun { get; init; }

    /// <summary>The value of <c>new DrainOptions()</c>.</summary>
    public object? Default => Get(Defaults);

    /// <summary>An option without a default: null means "not given" (no limit, every run).</summary>
    public bool IsOptional => Kind != DrainOptionKind.TextList && Default is null;

    /// <summary>The CLR type <see cref="Get"/> returns and <see cref="Set"/> takes.</summary>
    public Type ValueType => Kind switch
    {
        DrainOptionKind.WholeNumber => IsOptional ? typeof(int?) : typeof(int),
        DrainOptionKind.Number => IsOptional ? typeof(double?) : typeof(double),
        DrainOptionKind.Switch => typeof(bool),
        DrainOptionKind.Text => typeof(string),
        _ => typeof(IReadOnlyList<string>),
    };

    /// <summary>The App Service setting (<c>Drain__BatchSize</c>); null when not a setting.</summary>
    public string? SettingName => SettingKey is null ? null : DrainOptionCatalog.SettingsSection + "__" + SettingKey;

    /// <summary>The configuration keys read, first given wins (<c>Executor:ApiUrl</c>, <c>Drain:ApiUrl</c>).</summary>
    public IReadOnlyList<string> ConfigurationKeys =>
        SettingKey is null ? [] : SharedSettingKey is null ? [DrainOptionCatalog.SettingsSection + ":" + SettingKey] : [SharedSettingKey, DrainOptionCatalog.SettingsSection + ":" + SettingKey];

    /// <summary>What a value must be, as the CLI says it (<c>an integer from 1 to 604800 (7 days)</c>, <c>one of seed, yield, forecast</c>); null for other texts and switches.</summary>
    public string? Allowed => Kind switch
    {
        DrainOptionKind.WholeNumber when Bounds.Maximum is { } max => Invariant($"an integer from {Bounds.Minimum} to {max} ({Bounds.MaximumMeaning})"),
        DrainOptionKind.WholeNumber when Bounds.Minimum is { } min => Invariant($"an integer >= {min}"),
        DrainOptionKind.WholeNumber => "an integer",
        DrainOptionKind.Number when Bounds.Maximum is { } max => Invariant($"a number {LowerBound("> ", ">= ")} and <= {max} ({Bounds.MaximumMeaning})"),
        DrainOptionKind.Number => Bounds.Minimum is null ? "a number" : Invariant($"a number {LowerBound("> ", ">= ")}"),
        DrainOptionKind.Text when Choices is { } choices => "one of " + string.Join(", ", choices),
        _ => null,
    };

    public bool IsOn(DrainOptionSurfaces surface) => (Surfaces & surface) == surface;

    /// <summary>
    /// Reads one command-line value (one item of a list), refusing it with the CLI's messages:
    /// <c>invalid int value: 'ten' (allowed: an integer >= 1)</c>, <c>invalid value: 0 (allowed: ...)</c>.
    /// A value is echoed at most 40 characters long, so a pasted file does not flood the terminal.
    /// </summary>
    public ParsedOptionValue ParseText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (Kind)
        {
            case DrainOptionKind.WholeNumber:
                // Without a maximum an int's own range is the limit: a larger number is "invalid int value".
                var parsed = Bounds.Maximum is null
                    ? int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small) ? small : (long?)null
                    : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var large) ? large : null;
                if (parsed is not { } whole)
                {
                    return ParsedOptionValue.Refused($"invalid int value: '{Shorten(text)}' (allowed: {Allowed})");
                }

                return InRange(whole) ? ParsedOptionValue.Of((int)whole) : ParsedOptionValue.Refused(Invariant($"invalid value: {whole} (allowed: {Allowed})"));
            case DrainOptionKind.Number:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsNaN(number) || double.IsInfinity(number))
                {
                    return ParsedOptionValue.Refused($"invalid float value: '{Shorten(text)}' (allowed: {Allowed})");
                }

                return InRange(number) ? ParsedOptionValue.Of(number) : ParsedOptionValue.Refused($"invalid value: {Shorten(text)} (allowed: {Allowed})");
            case DrainOptionKind.Switch:
                return bool.TryParse(text, out var on) ? ParsedOptionValue.Of(on) : ParsedOptionValue.Refused($"invalid value: '{Shorten(text)}' (allowed: true, false)");
            case DrainOptionKind.Text when Choices is { } choices && !choices.Contains(text, StringComparer.Ordinal):
                // argparse's words for a bad choice, as every other choice flag says it.
                return ParsedOptionValue.Refused($"invalid choice: '{Shorten(text)}' (choose from {string.Join(", ", choices.Select(c => $"'{c}'"))})");
            default:
                return ItemProblem(text) is { } problem ? ParsedOptionValue.Refused(problem) : ParsedOptionValue.Of(text);
        }
    }

    /// <summary>
    /// What is wrong with a value of <see cref="ValueType"/> (<see cref="DrainOptions.Validate"/>'s
    /// messages: <c>must be an integer >= 1 (got 0)</c>); empty when it is allowed.
    /// </summary>
    public IEnumerable<string> Problems(object? value)
    {
        switch (value)
        {
            case null:
                yield break;
            case int whole when !InRange(whole):
                yield return Bounds.Maximum is { } max
                    ? Invariant($"must be an integer from {Bounds.Minimum} to {max} ({Bounds.MaximumMeaning}) (got {whole})")
                    : Invariant($"must be an integer >= {Bounds.Minimum} (got {whole})");
                break;
            case double number when double.IsNaN(number) || double.IsInfinity(number) || !InRange(number):
                var upper = Bounds.Maximum is { } most ? Invariant($" and at most {most} ({Bounds.MaximumMeaning})") : string.Empty;
                yield return Invariant($"must be a number {LowerBound("greater than ", "at least ")}{upper} (got {number:R})");
                break;
            case string text when ItemProblem(text) is { } problem:
                yield return problem;
                break;
            case IReadOnlyList<string> items:
                if (EmptyRule is not null && items.Select(EmptyRule).FirstOrDefault(p => p is not null) is { } empty)
                {
                    yield return empty;
                }

                if (items.Count > Bounds.MaxCount)
                {
                    yield return Invariant($"at most {Bounds.MaxCount} {ItemNoun} (got {items.Count})");
                }

                if (items.FirstOrDefault(i => i.Length > Bounds.MaxLength) is { } longItem)
                {
                    yield return DrainOptions.TooLong(longItem.Length, Bounds.MaxLength!.Value);
                }
                else if (FormatRule is not null && items.Select(FormatRule).FirstOrDefault(p => p is not null) is { } malformed)
                {
                    yield return malformed;
                }

                break;
        }
    }

    /// <summary><c>batch-size</c> as <c>batchSize</c>.</summary>
    public static string CamelCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    public override string ToString() => Name;

    /// <summary>The first problem of one text: empty, then too long, then malformed.</summary>
    private string? ItemProblem(string text) =>
        (Choices is { } choices && !choices.Contains(text, StringComparer.Ordinal) ? $"must be one of {string.Join(", ", choices)} (got '{Shorten(text)}')" : null)
        ?? EmptyRule?.Invoke(text)
        ?? (text.Length > Bounds.MaxLength ? DrainOptions.TooLong(text.Length, Bounds.MaxLength.Value) : null)
        ?? FormatRule?.Invoke(text);

    private bool InRange(double value) =>
        (Bounds.Minimum is not { } min || (Bounds.MinimumExclusive ? value > min : value >= min))
        && (Bounds.Maximum is not { } max || value <= max);

    private string LowerBound(string exclusive, string inclusive) =>
        Bounds.Minimum is { } min ? (Bounds.MinimumExclusive ? exclusive : inclusive) + min.ToString(CultureInfo.InvariantCulture) : string.Empty;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
