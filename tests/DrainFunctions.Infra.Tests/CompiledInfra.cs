using System.Text.Json.Nodes;

namespace DrainFunctions.Infra.Tests;

/// <summary>
/// infra/ compiled once per test run into a temporary folder: the ARM template of main.bicep,
/// the parameter file of main.bicepparam, and the parameter file of an Elastic Premium variant.
/// </summary>
public sealed class CompiledInfra : IDisposable
{
    public CompiledInfra()
    {
        WorkDir = Directory.CreateTempSubdirectory("drainfunctions-infra-").FullName;

        // A copy of infra/, so that the extra parameter file never lands in the work tree.
        CopyDirectory(BicepCli.InfraDir, Path.Combine(WorkDir, "infra"));
        var infra = Path.Combine(WorkDir, "infra");
        File.WriteAllText(
            Path.Combine(infra, "elastic-premium.bicepparam"),
            """
            using 'main.bicep'

            param environmentName = 'drain-test'
            param location = 'westeurope'
            param planKind = 'ElasticPremium'
            param alwaysReadyInstances = 1
            param maximumInstanceCount = 20
            param databaseUrlSecretExists = true
            """);

        var outDir = Path.Combine(WorkDir, "out");
        Directory.CreateDirectory(outDir);

        Template = JsonNode.Parse(Compile(infra, "build", "main.bicep", Path.Combine(outDir, "main.json")))!.AsObject();
        Parameters = JsonNode.Parse(Compile(infra, "build-params", "main.bicepparam", Path.Combine(outDir, "main.parameters.json")))!.AsObject();
        ElasticPremiumParameters = JsonNode.Parse(
            Compile(infra, "build-params", "elastic-premium.bicepparam", Path.Combine(outDir, "elastic-premium.parameters.json")))!.AsObject();
    }

    public string WorkDir { get; }

    /// <summary>The compiled main.bicep (modules are nested deployments inside it).</summary>
    public JsonObject Template { get; }

    /// <summary>The compiled main.bicepparam.</summary>
    public JsonObject Parameters { get; }

    /// <summary>The compiled Elastic Premium parameter file.</summary>
    public JsonObject ElasticPremiumParameters { get; }

    /// <summary>main's template and every module's template, depth first.</summary>
    public IReadOnlyList<JsonObject> AllTemplates => Templates(Template).ToList();

    /// <summary>Every resource of every template, with the template that declares it.</summary>
    public IEnumerable<(JsonObject Template, JsonObject Resource)> AllResources =>
        from template in AllTemplates
        from resource in Resources(template)
        select (template, resource);

    public IEnumerable<JsonObject> ResourcesOfType(string type) =>
        AllResources.Select(r => r.Resource)
            .Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    /// <summary>The template of the module deployed under this deployment name (at any depth).</summary>
    public JsonObject Module(string deploymentName) =>
        ModuleDeployment(deploymentName)["properties"]!["template"]!.AsObject();

    /// <summary>The deployment resource of that module, as its parent template declares it.</summary>
    public JsonObject ModuleDeployment(string deploymentName) =>
        AllResources.Select(r => r.Resource)
            .Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == deploymentName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    public static IEnumerable<JsonObject> Resources(JsonObject template) =>
        template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };

    /// <summary>Every JSON object in the tree (the node itself included), depth first.</summary>
    public static IEnumerable<JsonObject> Objects(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                yield return obj;
                foreach (var (_, value) in obj)
                {
                    foreach (var inner in Objects(value))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var inner in Objects(item))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    /// <summary>Every string value in the tree, depth first.</summary>
    public static IEnumerable<string> Strings(JsonNode? node) =>
        node switch
        {
            JsonValue value when value.TryGetValue<string>(out var s) => [s],
            JsonObject obj => obj.SelectMany(p => Strings(p.Value)),
            JsonArray array => array.SelectMany(Strings),
            _ => [],
        };

    private static IEnumerable<JsonObject> Templates(JsonObject template)
    {
        yield return template;
        foreach (var resource in Resources(template))
        {
            if ((string?)resource["type"] == "Microsoft.Resources/deployments"
                && resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Templates(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Compile(string workingDirectory, string verb, string file, string outFile)
    {
        var result = BicepCli.Run(workingDirectory, verb, file, "--outfile", outFile);
        if (result.ExitCode != 0 || !File.Exists(outFile))
        {
            throw new InvalidOperationException($"bicep {verb} {file} failed: {result}");
        }

        return File.ReadAllText(outFile);
    }

    internal static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(dir, Path.Combine(destination, Path.GetFileName(dir)));
        }
    }
}
