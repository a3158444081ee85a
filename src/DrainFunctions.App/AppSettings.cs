using System.Globalization;
using DrainFunctions.Core.Options;
using Microsoft.Extensions.Configuration;

namespace DrainFunctions.App;

/// <summary>
/// The drain options from settings (<c>Drain__BatchSize</c>, ...), read by hand so that every bad
/// value is reported with the name of its setting, and the app refuses to start.
/// </summary>
public static class AppSettings
{
    public const string Section = "Drain";

    public static (DrainOptions Options, List<string> Errors) ReadDrainOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var errors = new List<string>();
        var o = new DrainOptions();
        o = Int(section, "BatchSize", errors) is { } a ? o with { BatchSize = a } : o;
        o = Int(section, "PhaseTimeoutSeconds", errors) is { } b ? o with { PhaseTimeoutSeconds = b } : o;
        o = Int(section, "MaxTimeoutsPerRun", errors) is { } c ? o with { MaxTimeoutsPerRun = c } : o;
        o = Int(section, "MaxAttemptsPerPhase", errors) is { } d ? o with { MaxAttemptsPerPhase = d } : o;
        o = Int(section, "MaxFingerprintRepeats", errors) is { } e ? o with { MaxFingerprintRepeats = e } : o;
        o = Int(section, "LedgerWindowHours", errors) is { } f ? o with { LedgerWindowHours = f } : o;
        o = o with { MaxConsecutiveZeroYield = Int(section, "MaxConsecutiveZeroYield", errors) };
        o = o with { MaxTotalMinutes = Double(section, "MaxTotalMinutes", errors) };
        o = Bool(section, "SkipRunsWithQueued", errors) is { } g ? o with { SkipRunsWithQueued = g } : o;
        o = Bool(section, "SkipRunsInFlight", errors) is { } j ? o with { SkipRunsInFlight = j } : o;
        o = Bool(section, "LedgerEnabled", errors) is { } h ? o with { LedgerEnabled = h } : o;
        o = Bool(section, "SampleFirst", errors) is { } i ? o with { SampleFirst = i } : o;
        if (section["RunId"] is { Length: > 0 } run)
        {
            o = o with { RunId = run };
        }

        if (section["SkipRunPrefixes"] is { Length: > 0 } prefixes)
        {
            o = o with { SkipRunPrefixes = [.. prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] };
        }

        if ((configuration["Executor:ApiUrl"] ?? section["ApiUrl"]) is { Length: > 0 } url)
        {
            o = o with { ApiUrl = url };
        }

        foreach (var error in o.Validate())
        {
            errors.Add($"{Section}__{Pascal(error.JsonName)}: {error.Message}");
        }

        return (o, errors);
    }

    private static string Pascal(string camel) => camel.Length == 0 ? camel : char.ToUpperInvariant(camel[0]) + camel[1..];

    private static int? Int(IConfigurationSection section, string key, List<string> errors)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        errors.Add($"{Section}__{key}: must be an integer (got '{text}')");
        return null;
    }

    private static double? Double(IConfigurationSection section, string key, List<string> errors)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            return n;
        }

        errors.Add($"{Section}__{key}: must be a number (got '{text}')");
        return null;
    }

    private static bool? Bool(IConfigurationSection section, string key, List<string> errors)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (bool.TryParse(text, out var b))
        {
            return b;
        }

        errors.Add($"{Section}__{key}: must be true or false (got '{text}')");
        return null;
    }
}
