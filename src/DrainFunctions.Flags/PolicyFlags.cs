using System.CommandLine;
using System.CommandLine.Parsing;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Flags;

/// <summary>
/// The drain's policy flags of one surface (<c>drain</c>'s or <c>drain simulate</c>'s), generated
/// from <see cref="DrainOptionCatalog"/>: each declared option becomes its flag (and its
/// <c>--no-</c> flag), reads its value with the declaration's own parsing and messages, and sets
/// <see cref="DrainOptions"/> through the declaration.
/// </summary>
public sealed class PolicyFlags
{
    private readonly List<PolicyFlag> flags;

    private PolicyFlags(List<PolicyFlag> flags)
    {
        this.flags = flags;
    }

    public IEnumerable<Option> Options => flags.Select(f => f.Option);

    /// <summary>The flags as they are typed (<c>--batch-size</c>, <c>--no-ledger</c>).</summary>
    public IEnumerable<string> Names => flags.Select(f => f.Option.Name);

    /// <summary>The flags of every option the catalog puts on <paramref name="surface"/>.</summary>
    public static PolicyFlags For(DrainOptionSurfaces surface)
    {
        var list = new List<PolicyFlag>();
        foreach (var spec in DrainOptionCatalog.On(surface))
        {
            if (spec.Flag is { } flag)
            {
                list.Add(new PolicyFlag(spec, Create(spec, flag), spec.Kind == DrainOptionKind.Switch ? true : null));
            }

            if (spec.NegatedFlag is { } negated)
            {
                list.Add(new PolicyFlag(spec, Flag.Switch(negated, spec.NegatedHelp ?? spec.Help), false));
            }
        }

        return new PolicyFlags(list);
    }

    /// <summary>Adds the flags to <paramref name="command"/>, and the rule that a flag and its <c>--no-</c> flag exclude each other.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var flag in flags)
        {
            command.Options.Add(flag.Option);
        }

        command.Validators.Add(result =>
        {
            foreach (var pair in flags.GroupBy(f => f.Spec).Where(g => g.Count() == 2))
            {
                if (pair.All(f => IsGiven(result, f.Option)))
                {
                    result.AddError(FlagError.Text(pair.Last().Option.Name, $"not allowed with argument {pair.First().Option.Name}"));
                }
            }
        });
    }

    /// <summary>The options given in <paramref name="scope"/> (a parse's root or a command's result), with their values, in catalog order.</summary>
    public IEnumerable<(DrainOptionSpec Spec, object? Value)> Given(SymbolResult scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        foreach (var flag in flags)
        {
            if (scope.GetResult(flag.Option) is OptionResult { Implicit: false } given)
            {
                yield return (flag.Spec, flag.SwitchValue ?? given.GetValueOrDefault<object?>());
            }
        }
    }

    /// <summary><paramref name="baseOptions"/> with every given flag applied.</summary>
    public DrainOptions Bind(ParseResult parsed, DrainOptions baseOptions)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return Given(parsed.RootCommandResult).Aggregate(baseOptions, (options, given) => given.Spec.Set(options, given.Value));
    }

    private static bool IsGiven(SymbolResult scope, Option option) => scope.GetResult(option) is { Implicit: false };

    /// <summary>The flag of a declared option: a switch, a repeatable list, or one value (the last one given).</summary>
    private static Option Create(DrainOptionSpec spec, string flag)
    {
        switch (spec.Kind)
        {
            case DrainOptionKind.Switch:
                return Flag.Switch(flag, spec.Help);
            case DrainOptionKind.TextList:
                var list = Flag.Texts(flag, spec.Metavar ?? "VALUE", spec.Help);
                list.CustomParser = result => [.. result.Tokens.Select(t => Read(spec, flag, result, t.Value) as string ?? t.Value)];
                return list;
            default:
                var valued = Flag.Valued<object>(flag, spec.Metavar ?? "VALUE", spec.Help, (result, text) => Read(spec, flag, result, text));
                if (spec.Choices is { } choices)
                {
                    valued.CompletionSources.Add([.. choices]);
                }

                return valued;
        }
    }

    private static object? Read(DrainOptionSpec spec, string flag, ArgumentResult result, string text)
    {
        var parsed = spec.ParseText(text);
        if (parsed.Error is { } error)
        {
            result.AddError(FlagError.Text(flag, error));
        }

        return parsed.Value;
    }

    /// <summary>A flag of <paramref name="Spec"/>; a switch sets <paramref name="SwitchValue"/> (false for the <c>--no-</c> flag).</summary>
    private sealed record PolicyFlag(DrainOptionSpec Spec, Option Option, bool? SwitchValue);
}
