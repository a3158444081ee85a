using System.Globalization;
using DrainFunctions.Core.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// The drain options from settings (<c>Drain__BatchSize</c>, ...): every option of
/// <see cref="DrainOptionCatalog"/> with the settings surface, read by its kind, each bad value
/// reported with the name of its setting (the App Service name, <c>Drain__X</c>).
/// </summary>
public static class DrainSettings
{
    /// <summary>
    /// Binds <see cref="DrainOptions"/> (and <c>IOptions&lt;DrainOptions&gt;</c>) to the settings,
    /// validated when the host starts: a bad setting stops it, naming the setting and what it allows.
    /// </summary>
    public static IServiceCollection AddDrainSettings(this IServiceCollection services)
    {
        services.AddOptions<DrainOptions>().ValidateOnStart();
        services.Replace(ServiceDescriptor.Transient<IOptionsFactory<DrainOptions>, DrainSettingsFactory>());
        services.AddSingleton<IValidateOptions<DrainOptions>, DrainSettingsValidation>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DrainOptions>>().Value);
        return services;
    }

    /// <summary>The options the settings give over the defaults, and every problem (<c>Drain__X: message</c>).</summary>
    public static (DrainOptions Options, List<string> Errors) Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        var options = new DrainOptions();
        foreach (var spec in DrainOptionCatalog.On(DrainOptionSurfaces.AppSettings))
        {
            // The first key given wins: Executor__ApiUrl, the executor's own setting, before Drain__ApiUrl.
            var text = spec.ConfigurationKeys.Select(key => configuration[key]).FirstOrDefault(t => !IsUnset(spec, t));
            if (text is null)
            {
                continue;
            }

            var (value, error) = Parse(spec, text);
            if (error is null)
            {
                options = spec.Set(options, value);
            }
            else
            {
                errors.Add($"{spec.SettingName}: {error}");
            }
        }

        foreach (var error in options.Validate())
        {
            errors.Add($"{DrainOptionCatalog.Find(error.Name)?.SettingName}: {error.Message}");
        }

        return (options, errors);
    }

    /// <summary>Empty means "not set": a number, a switch, or a text (a run id of spaces is given, and refused).</summary>
    private static bool IsUnset(DrainOptionSpec spec, string? text) =>
        spec.Kind is DrainOptionKind.Text or DrainOptionKind.TextList ? string.IsNullOrEmpty(text) : string.IsNullOrWhiteSpace(text);

    private static (object? Value, string? Error) Parse(DrainOptionSpec spec, string text) => spec.Kind switch
    {
        DrainOptionKind.WholeNumber => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? (n, null) : (null, $"must be an integer (got '{text}')"),
        DrainOptionKind.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (d, null) : (null, $"must be a number (got '{text}')"),
        DrainOptionKind.Switch => bool.TryParse(text, out var b) ? (b, null) : (null, $"must be true or false (got '{text}')"),
        DrainOptionKind.Text => (text, null),
        _ => ((IReadOnlyList<string>)text.Split(spec.ListSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), null),
    };
}
