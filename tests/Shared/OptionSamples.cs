using System.Globalization;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Tests.Shared;

/// <summary>
/// Values for every option of the catalog, by its kind and declared bounds: one that is allowed and
/// not the default, its text as a setting, and the values each bound refuses.
/// </summary>
internal static class OptionSamples
{
    /// <summary>An allowed value other than the default, of the option's type.</summary>
    public static object Allowed(DrainOptionSpec spec) => spec.Kind switch
    {
        // At most the sample's two slots: every option set at once must still be valid together.
        DrainOptionKind.WholeNumber => spec == DrainOptionCatalog.Parallel ? 2 : 7,
        DrainOptionKind.Number => 12.5,
        DrainOptionKind.Switch => !(bool)spec.Default!,
        DrainOptionKind.Text => spec.Choices is { } choices ? choices[^1] : spec.FormatRule is null ? "run-7" : "http://127.0.0.1:8000",
        _ => spec.FormatRule is null ? (IReadOnlyList<string>)["research-", "tmp-"] : (IReadOnlyList<string>)[SlotText(1), SlotText(2)],
    };

    /// <summary>A well-formed list item of an option that checks its items' shape (a slot).</summary>
    public static string SlotText(int number) => $"api=http://127.0.0.1:{8000 + number},workspace=/tmp/slot-{number}";

    /// <summary>A value as a Function App setting writes it (a list separated by the option's separator).</summary>
    public static string SettingText(DrainOptionSpec spec, object value) => value switch
    {
        bool on => on ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IReadOnlyList<string> items => string.Join(spec.ListSeparator + " ", items),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    /// <summary>Values just beyond each declared bound (and the texts an option refuses), with what they test.</summary>
    public static IEnumerable<(string Case, object Value)> Refused(DrainOptionSpec spec)
    {
        var bounds = spec.Bounds;
        switch (spec.Kind)
        {
            case DrainOptionKind.WholeNumber:
                yield return ("below the minimum", (int)bounds.Minimum!.Value - 1);
                if (bounds.Maximum is { } max)
                {
                    yield return ("above the maximum", (int)max + 1);
                }

                break;
            case DrainOptionKind.Number:
                yield return ("at the exclusive minimum", bounds.Minimum!.Value);
                yield return ("above the maximum", bounds.Maximum!.Value + 1);
                break;
            case DrainOptionKind.Text:
                var prefix = spec.FormatRule is null ? string.Empty : "http://x/";
                yield return ("too long", prefix + new string('a', bounds.MaxLength!.Value + 1 - prefix.Length));
                if (spec.EmptyRule is not null)
                {
                    yield return ("empty", " ");
                }

                if (spec.FormatRule is not null)
                {
                    yield return ("malformed", "ftp://x");
                }

                if (spec.Choices is not null)
                {
                    yield return ("not a choice", "sideways");
                }

                break;
            case DrainOptionKind.TextList:
                yield return ("an item too long", (IReadOnlyList<string>)[new string('p', bounds.MaxLength!.Value + 1)]);
                yield return ("too many items", (IReadOnlyList<string>)[.. Enumerable.Range(0, bounds.MaxCount!.Value + 1).Select(i => spec.FormatRule is null ? $"p{i}" : SlotText(i))]);
                if (spec.FormatRule is not null)
                {
                    yield return ("a malformed item", (IReadOnlyList<string>)[SlotText(1), "api=ftp://x"]);
                }

                break;
        }
    }
}
