namespace DrainFunctions.Core.Options;

/// <summary>What a drain option's value is, which says how each surface reads it.</summary>
public enum DrainOptionKind
{
    /// <summary>An <see cref="int"/> (<c>int?</c> when the option has no default).</summary>
    WholeNumber,

    /// <summary>A <see cref="double"/> (<c>double?</c> when the option has no default).</summary>
    Number,

    /// <summary>A <see cref="bool"/>: a flag without a value on the command line.</summary>
    Switch,

    /// <summary>A <see cref="string"/> (null when not given).</summary>
    Text,

    /// <summary>An <c>IReadOnlyList&lt;string&gt;</c>: a repeatable flag, a JSON array, a comma-separated setting.</summary>
    TextList,
}
