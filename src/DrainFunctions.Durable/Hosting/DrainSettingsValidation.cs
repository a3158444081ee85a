using DrainFunctions.Core.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DrainFunctions.Durable.Hosting;

/// <summary>
/// Every bad drain setting, by its name (<c>Drain__BatchSize: must be an integer >= 1 (got 0)</c>):
/// values that do not parse, and values out of their bounds.
/// </summary>
internal sealed class DrainSettingsValidation(IConfiguration configuration) : IValidateOptions<DrainOptions>
{
    public ValidateOptionsResult Validate(string? name, DrainOptions options)
    {
        var errors = DrainSettings.Read(configuration).Errors;
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
