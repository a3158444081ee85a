using DrainFunctions.Core.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Builds <see cref="DrainOptions"/> (an immutable record, which the configuration binder cannot
/// fill) from the settings; the problems are reported by <see cref="DrainSettingsValidation"/>.
/// </summary>
internal sealed class DrainSettingsFactory(
    IConfiguration configuration,
    IEnumerable<IConfigureOptions<DrainOptions>> setups,
    IEnumerable<IPostConfigureOptions<DrainOptions>> postConfigures,
    IEnumerable<IValidateOptions<DrainOptions>> validations)
    : OptionsFactory<DrainOptions>(setups, postConfigures, validations)
{
    protected override DrainOptions CreateInstance(string name) => DrainSettings.Read(configuration).Options;
}
