using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DrainFunctions.Infra.Tests;

/// <summary>The files `azd up` reads: azure.yaml, and the parameter file it fills from its environment.</summary>
public sealed partial class AzdFilesTests(CompiledInfra infra) : IClassFixture<CompiledInfra>
{
    [Fact]
    public void AzureYaml_InfraAndServices_PointAtFilesThatExist()
    {
        var root = LoadAzureYaml();

        Assert.False(string.IsNullOrWhiteSpace(Scalar(root, "name")));
        var infraNode = (YamlMappingNode)root.Children[new YamlScalarNode("infra")];
        Assert.Equal("bicep", Scalar(infraNode, "provider"));
        var infraDir = Path.Combine(BicepCli.RepoRoot, Scalar(infraNode, "path"));
        Assert.Equal(BicepCli.InfraDir, Path.GetFullPath(infraDir).TrimEnd(Path.DirectorySeparatorChar));
        Assert.True(File.Exists(Path.Combine(infraDir, Scalar(infraNode, "module") + ".bicep")));

        var services = (YamlMappingNode)root.Children[new YamlScalarNode("services")];
        var api = (YamlMappingNode)Assert.Single(services.Children).Value;
        Assert.Equal("api", Assert.Single(services.Children).Key.ToString());
        Assert.Equal("function", Scalar(api, "host"));
        Assert.Equal("dotnet", Scalar(api, "language"));
        var project = Path.Combine(BicepCli.RepoRoot, Scalar(api, "project"));
        Assert.True(File.Exists(Path.Combine(project, "DrainFunctions.App.csproj")), $"no Function App project at {project}");

        // azd finds the app to deploy by this tag, set by main.bicep on the site only.
        var siteTags = infra.ModuleDeployment("resources")["properties"]!["parameters"]!["siteTags"]!["value"]!;
        Assert.Equal("api", (string?)siteTags["azd-service-name"]);
    }

    [Fact]
    public void MainParameters_EveryParameter_IsMainBicepsAndTheRequiredOnesAreGiven()
    {
        var given = MainParameters();
        var declared = infra.Template["parameters"]!.AsObject();

        Assert.All(given.Keys, name => Assert.True(declared.ContainsKey(name), $"main.parameters.json gives {name}, which main.bicep does not declare"));
        var required = declared.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key).ToList();
        Assert.Equal(["environmentName", "location"], required);
        Assert.All(required, name => Assert.Contains(name, given.Keys));
        Assert.Equal("${AZURE_ENV_NAME}", given["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", given["location"]);
        Assert.Equal("${AZURE_PRINCIPAL_ID}", given["principalId"]);
    }

    [Fact]
    public void MainBicepparam_ReadsTheSameEnvironmentVariablesAsMainParameters()
    {
        var fromJson = MainParameters().Values
            .SelectMany(v => AzdVariable().Matches(v).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var bicepparam = File.ReadAllText(Path.Combine(BicepCli.InfraDir, "main.bicepparam"));
        var fromBicepparam = ReadEnvironmentVariable().Matches(bicepparam).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(fromJson);
        Assert.Equal(fromJson.Order(StringComparer.Ordinal), fromBicepparam.Order(StringComparer.Ordinal));
    }

    private static YamlMappingNode LoadAzureYaml()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(BicepCli.RepoRoot, "azure.yaml")))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value ?? "";

    private static Dictionary<string, string> MainParameters()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDir, "main.parameters.json")))!;
        return file["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!["value"]!.ToJsonString().Trim('"'), StringComparer.Ordinal);
    }

    // ${NAME} or ${NAME=default}, as azd substitutes them.
    [GeneratedRegex(@"\$\{([A-Z0-9_]+)(?:=[^}]*)?\}")]
    private static partial Regex AzdVariable();

    [GeneratedRegex(@"readEnvironmentVariable\('([A-Z0-9_]+)'")]
    private static partial Regex ReadEnvironmentVariable();
}
