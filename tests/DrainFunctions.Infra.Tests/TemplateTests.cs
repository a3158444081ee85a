using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DrainFunctions.Core.Options;

namespace DrainFunctions.Infra.Tests;

/// <summary>What the compiled template must hold and is easy to get wrong.</summary>
public sealed partial class TemplateTests(CompiledInfra infra) : IClassFixture<CompiledInfra>
{
    // Azure built-in role definition ids (the same in every cloud).
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string StorageAccountContributor = "17d1049b-9a84-46fb-8f53-869881c3d3ab";

    [Fact]
    public void Outputs_EveryTemplate_ContainNoSecret()
    {
        var checkedOutputs = 0;
        foreach (var template in infra.AllTemplates)
        {
            var secureParams = (template["parameters"]?.AsObject() ?? [])
                .Where(p => ((string?)p.Value?["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
                .Select(p => p.Key)
                .ToList();

            foreach (var (name, output) in template["outputs"]?.AsObject() ?? [])
            {
                checkedOutputs++;
                var type = (string?)output?["type"] ?? "";
                var value = output?["value"]?.ToJsonString() ?? "";

                Assert.DoesNotMatch(SecretName(), name);
                Assert.False(type.StartsWith("secure", StringComparison.OrdinalIgnoreCase), $"output {name} is {type}");
                Assert.DoesNotMatch(ListFunction(), value);
                Assert.DoesNotContain("connectionstring", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("AccountKey", value, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("@Microsoft.KeyVault", value, StringComparison.OrdinalIgnoreCase);
                foreach (var secure in secureParams)
                {
                    Assert.DoesNotContain($"parameters('{secure}')", value, StringComparison.Ordinal);
                }
            }
        }

        Assert.True(checkedOutputs > 0);

        // The secret inputs are secure parameters.
        var mainParams = infra.Template["parameters"]!;
        Assert.Equal("securestring", (string?)mainParams["databaseUrl"]!["type"]);
        Assert.Equal("securestring", (string?)mainParams["postgresAdminPassword"]!["type"]);
    }

    [Fact]
    public void Outputs_Main_NameTheAppItsUrlTheStorageAccountAndTheContainer()
    {
        var outputs = infra.Template["outputs"]!.AsObject();

        Assert.Contains("functionAppName", outputs.Select(o => o.Key));
        Assert.Contains("storageAccountName", outputs.Select(o => o.Key));
        Assert.Contains("sessionsContainerName", outputs.Select(o => o.Key));
        Assert.StartsWith("[format('https://{0}'", (string?)outputs["functionAppUrl"]!["value"], StringComparison.Ordinal);
    }

    [Fact]
    public void StorageAccount_Properties_DisableSharedKeysAndRequireHttpsAndTls12()
    {
        var account = Assert.Single(infra.ResourcesOfType("Microsoft.Storage/storageAccounts"));
        var properties = account["properties"]!;

        Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.True(properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>());
    }

    [Fact]
    public void StorageAccount_Containers_IncludeTheSessionContainerNamedByParameter()
    {
        Assert.Equal("batch-drain-sessions", (string?)infra.Template["parameters"]!["sessionsContainerName"]!["defaultValue"]);
        Assert.Equal("batch-drain-sessions", (string?)infra.Parameters["parameters"]!["sessionsContainerName"]!["value"]);

        var containers = infra.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers").ToList();
        Assert.Contains(containers, c => ((string?)c["name"])!.Contains("parameters('sessionsContainerName')", StringComparison.Ordinal));
        Assert.All(containers, c => Assert.Equal("None", (string?)c["properties"]!["publicAccess"]));
    }

    [Fact]
    public void StorageAccount_Queues_IncludeTheAgentQueueNamedByParameter()
    {
        Assert.Equal("drain-agent-work", (string?)infra.Template["parameters"]!["agentQueueName"]!["defaultValue"]);
        var queue = Assert.Single(infra.ResourcesOfType("Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.Contains("parameters('agentQueueName')", (string?)queue["name"], StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Agents_QueueByIdentityAndHeartbeatTimeout()
    {
        var settings = DeployedSettings(elasticPremium: false);

        Assert.Equal("reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.agentQueueName.value", settings["Agents__QueueName"]);
        Assert.Equal("reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.queueEndpoint.value", settings["Agents__QueueServiceUri"]);
        Assert.Contains("Agents__HeartbeatTimeout", settings.Keys);
        Assert.Contains("agent", infra.Template["parameters"]!["executorKind"]!["allowedValues"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void Site_Properties_HttpsOnlyFtpsDisabledAndTls12()
    {
        var site = Assert.Single(infra.ResourcesOfType("Microsoft.Web/sites"));
        var properties = site["properties"]!;
        var module = infra.Module("functionapp");
        var flexSiteConfig = module["variables"]!["flexSiteConfig"]!;
        var elasticPremiumSiteConfig = module["variables"]!["elasticPremiumSiteConfig"]!;

        Assert.True(properties["httpsOnly"]!.GetValue<bool>());
        // Flex gets its own object only; the other plans add theirs (SnapshotTests evaluates both).
        Assert.Equal(
            "[if(variables('isFlex'), variables('flexSiteConfig'), union(variables('flexSiteConfig'), variables('elasticPremiumSiteConfig')))]",
            (string?)properties["siteConfig"]);
        Assert.Equal("Disabled", (string?)elasticPremiumSiteConfig["ftpsState"]);
        Assert.Equal("1.2", (string?)flexSiteConfig["minTlsVersion"]);
        Assert.Equal("1.2", (string?)flexSiteConfig["scmMinTlsVersion"]);
        Assert.All(
            ["ftpsState", "http20Enabled", "linuxFxVersion", "minimumElasticInstanceCount", "functionAppScaleLimit"],
            key => Assert.False(flexSiteConfig.AsObject().ContainsKey(key), $"Flex siteConfig has {key}"));
        Assert.Equal("functionapp,linux", (string?)site["kind"]);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        // Key Vault references resolve with the user-assigned identity, not a system one.
        Assert.Equal("[parameters('identityResourceId')]", (string?)properties["keyVaultReferenceIdentity"]);
    }

    [Fact]
    public void Site_Runtime_IsDotnetIsolatedOnDotnet10ForBothPlans()
    {
        var site = Assert.Single(infra.ResourcesOfType("Microsoft.Web/sites"));
        var functionAppConfig = (string?)site["properties"]!["functionAppConfig"];
        var linuxFxVersion = (string?)infra.Module("functionapp")["variables"]!["elasticPremiumSiteConfig"]!["linuxFxVersion"];

        Assert.Contains("createObject('name', 'dotnet-isolated', 'version', '10.0')", functionAppConfig, StringComparison.Ordinal);
        Assert.Equal("DOTNET-ISOLATED|10.0", linuxFxVersion);
    }

    [Fact]
    public void BasicPublishingCredentials_FtpAndScm_AreNotAllowed()
    {
        var policies = infra.ResourcesOfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();

        foreach (var kind in new[] { "ftp", "scm" })
        {
            var policy = Assert.Single(policies, p => ((string?)p["name"])!.EndsWith($"'{kind}')]", StringComparison.Ordinal));
            Assert.False(policy["properties"]!["allow"]!.GetValue<bool>());
        }
    }

    [Fact]
    public void AppSettings_Storage_UseTheManagedIdentityAndNoConnectionString()
    {
        var settings = DeployedSettings(elasticPremium: true);

        // The account's own endpoints (sovereign clouds), not names the app would complete.
        Assert.Equal("[parameters('storageBlobEndpoint')]", settings["AzureWebJobsStorage__blobServiceUri"]);
        Assert.Equal("[parameters('storageQueueEndpoint')]", settings["AzureWebJobsStorage__queueServiceUri"]);
        Assert.Equal("[parameters('storageTableEndpoint')]", settings["AzureWebJobsStorage__tableServiceUri"]);
        Assert.Equal(
            "[reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.queueEndpoint.value]",
            (string?)infra.ModuleDeployment("functionapp")["properties"]!["parameters"]!["storageQueueEndpoint"]!["value"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AzureWebJobsStorage__clientId"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain(settings.Keys, k => k.StartsWith("WEBSITE_CONTENTAZUREFILE", StringComparison.Ordinal));

        // Nothing anywhere builds a key-based connection string or reads account keys.
        var everyString = CompiledInfra.Strings(infra.Template).ToList();
        Assert.DoesNotContain(everyString, s => s.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(everyString, s => ListFunction().IsMatch(s));
    }

    [Fact]
    public void AppSettings_DatabaseUrl_IsAKeyVaultReference()
    {
        var settings = DeployedSettings(elasticPremium: false);

        Assert.Equal(
            "[format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', parameters('keyVaultUri'), parameters('databaseUrlSecretName'))]",
            settings["DATABASE_URL"]);
        Assert.Equal("database-url", (string?)infra.Module("resources")["variables"]!["databaseUrlSecretName"]);

        // The secret itself goes to Key Vault, and no app setting sees a secure parameter.
        var secret = Assert.Single(infra.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"));
        Assert.Contains("parameters('databaseUrlSecretName')", (string?)secret["name"], StringComparison.Ordinal);
        Assert.All(settings.Values, v => Assert.DoesNotContain("password", v, StringComparison.OrdinalIgnoreCase));
        Assert.All(settings.Values, v => Assert.DoesNotContain("parameters('databaseUrl')", v, StringComparison.Ordinal));
    }

    [Fact]
    public void AppSettings_EverySettingTheAppReads_IsDeployed()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "local.settings.sample.json")))!;
        var read = sample["Values"]!.AsObject().Select(p => p.Key)
            .Where(k => k != "AzureWebJobsStorage") // replaced by the identity-based AzureWebJobsStorage__* settings
            .Append("Snapshots__BlobServiceUri")
            .Append("APPLICATIONINSIGHTS_CONNECTION_STRING")
            .ToList();

        var elasticPremium = DeployedSettings(elasticPremium: true);
        var flex = DeployedSettings(elasticPremium: false);

        Assert.All(read, name => Assert.Contains(name, elasticPremium.Keys));
        Assert.All(read.Where(n => n != "FUNCTIONS_WORKER_RUNTIME"), name => Assert.Contains(name, flex.Keys));
        // Flex sets the runtime in functionAppConfig and rejects these settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", flex.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", flex.Keys);
        Assert.Equal("dotnet-isolated", elasticPremium["FUNCTIONS_WORKER_RUNTIME"]);

        Assert.Equal(
            "reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.blobEndpoint.value",
            flex["Snapshots__BlobServiceUri"]);
        Assert.Equal("0 0 * * * *", (string?)infra.Template["parameters"]!["drainSchedule"]!["defaultValue"]);
    }

    [Fact]
    public void AppSettings_DrainSettings_AreTheOptionCatalogsNames()
    {
        var settings = DeployedSettings(elasticPremium: false);
        var deployed = settings.Keys.Where(k => k.StartsWith(DrainOptionCatalog.SettingsSection + "__", StringComparison.Ordinal)).ToList();
        var declared = DrainOptionCatalog.On(DrainOptionSurfaces.AppSettings).Select(s => s.SettingName).ToList();

        Assert.NotEmpty(deployed);
        Assert.All(deployed, name => Assert.Contains(name, declared));
        Assert.Contains(DrainOptionCatalog.ApiUrl.SharedSettingKey!.Replace(":", "__", StringComparison.Ordinal), settings.Keys);
    }

    [Fact]
    public void RoleAssignments_IdentityRoles_ArePresentAndNamedWithGuid()
    {
        var assignments = infra.AllResources
            .Where(r => (string?)r.Resource["type"] == "Microsoft.Authorization/roleAssignments")
            .ToList();
        Assert.NotEmpty(assignments);

        var roleIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (template, assignment) in assignments)
        {
            Assert.StartsWith("[guid(", (string?)assignment["name"], StringComparison.Ordinal);
            // The app's identity, or the optional developer (a user, principalId of main.bicep).
            var principalType = (string?)assignment["properties"]!["principalType"];
            var principal = (string?)assignment["properties"]!["principalId"];
            Assert.Equal(principal == "[parameters('developerPrincipalId')]" ? "[parameters('developerPrincipalType')]" : "ServicePrincipal", principalType);

            var definition = (string?)assignment["properties"]!["roleDefinitionId"] ?? "";
            Assert.StartsWith("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions'", definition, StringComparison.Ordinal);
            // A literal id, or (in a loop) one taken from the template's variables.
            var source = definition.Contains("variables(", StringComparison.Ordinal)
                ? definition + template["variables"]!.ToJsonString()
                : definition;
            roleIds.UnionWith(RoleGuid().Matches(source).Select(m => m.Value));
        }

        Assert.Contains(StorageBlobDataOwner, roleIds);
        Assert.Contains(StorageQueueDataContributor, roleIds);
        Assert.Contains(StorageTableDataContributor, roleIds);
        Assert.Contains(KeyVaultSecretsUser, roleIds);
        Assert.DoesNotContain(StorageAccountContributor, infra.Template.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var storageTemplate = infra.Module("storage");
        var storageAssignments = CompiledInfra.Resources(storageTemplate).Where(r => (string?)r["type"] == "Microsoft.Authorization/roleAssignments").ToList();
        Assert.Equal(2, storageAssignments.Count); // the identity's roles, the developer's roles
        Assert.All(storageAssignments, a => Assert.Contains("Microsoft.Storage/storageAccounts", (string?)a["scope"], StringComparison.Ordinal));
        Assert.Equal(3, storageTemplate["variables"]!["storageRoles"]!.AsArray().Count);
    }

    [Fact]
    public void Plan_EachPlanKind_CompilesAndSelectsItsSku()
    {
        var allowed = infra.Template["parameters"]!["planKind"]!["allowedValues"]!.AsArray().Select(v => (string?)v).ToList();
        Assert.Equal(["FlexConsumption", "ElasticPremium"], allowed);

        var module = infra.Module("functionapp");
        var plan = Assert.Single(CompiledInfra.Resources(module), r => (string?)r["type"] == "Microsoft.Web/serverfarms");
        Assert.Equal("[variables('planSkus')[parameters('planKind')]]", (string?)plan["sku"]);
        var functionAppDeployment = infra.ModuleDeployment("functionapp");
        Assert.Equal("[parameters('planKind')]", (string?)functionAppDeployment["properties"]!["parameters"]!["planKind"]!["value"]);

        var planSkus = module["variables"]!["planSkus"]!;
        var flexKind = (string?)infra.Parameters["parameters"]!["planKind"]!["value"];
        var elasticKind = (string?)infra.ElasticPremiumParameters["parameters"]!["planKind"]!["value"];

        Assert.Equal("FlexConsumption", flexKind);
        Assert.Equal("FC1", (string?)planSkus[flexKind!]!["name"]);
        Assert.Equal("FlexConsumption", (string?)planSkus[flexKind!]!["tier"]);
        Assert.Equal("ElasticPremium", elasticKind);
        Assert.Equal("EP1", (string?)planSkus[elasticKind!]!["name"]);
        Assert.Equal("ElasticPremium", (string?)planSkus[elasticKind!]!["tier"]);
    }

    /// <summary>
    /// The app settings as deployed for one plan kind: the Microsoft.Web/sites/config resource
    /// unions the module's variables, inline objects, and the settings passed in from main.
    /// Values are the template expressions (or literals) that ARM evaluates.
    /// </summary>
    private Dictionary<string, string> DeployedSettings(bool elasticPremium)
    {
        var module = infra.Module("functionapp");
        var config = Assert.Single(
            CompiledInfra.Resources(module),
            r => (string?)r["type"] == "Microsoft.Web/sites/config" && ((string?)r["name"])!.EndsWith("'appsettings')]", StringComparison.Ordinal));
        Assert.EndsWith("'appsettings')]", (string?)config["name"], StringComparison.Ordinal);
        var expression = (string?)config["properties"] ?? "";
        Assert.Equal(
            "[union(variables('platformSettings'), createObject('APPLICATIONINSIGHTS_CONNECTION_STRING', "
            + "reference(resourceId('Microsoft.Insights/components', parameters('appInsightsName')), '2020-02-02').ConnectionString), "
            + "parameters('appSettings'), if(variables('isFlex'), createObject(), variables('elasticPremiumSettings')))]",
            expression);

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        void AddAll(JsonNode? source)
        {
            foreach (var (key, value) in source!.AsObject())
            {
                settings[key] = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "";
            }
        }

        AddAll(module["variables"]!["platformSettings"]);
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "reference(...).ConnectionString";

        // main.bicep's drainSettings reach the module through resources.bicep, with the two
        // snapshot settings and the two agent queue settings resources.bicep adds.
        var passed = (string?)infra.ModuleDeployment("functionapp")["properties"]!["parameters"]!["appSettings"]!["value"];
        Assert.Equal(
            "[union(parameters('drainSettings'), createObject('Snapshots__ContainerName', parameters('sessionsContainerName'), "
            + "'Snapshots__BlobServiceUri', reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.blobEndpoint.value, "
            + "'Agents__QueueName', reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.agentQueueName.value, "
            + "'Agents__QueueServiceUri', reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.queueEndpoint.value))]",
            passed);
        Assert.Equal("[variables('drainSettings')]", (string?)infra.ModuleDeployment("resources")["properties"]!["parameters"]!["drainSettings"]!["value"]);
        AddAll(infra.Template["variables"]!["drainSettings"]);
        settings["Snapshots__ContainerName"] = "parameters('sessionsContainerName')";
        settings["Snapshots__BlobServiceUri"] = "reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.blobEndpoint.value";
        settings["Agents__QueueName"] = "reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.agentQueueName.value";
        settings["Agents__QueueServiceUri"] = "reference(resourceId('Microsoft.Resources/deployments', 'storage'), '2025-04-01').outputs.queueEndpoint.value";

        if (elasticPremium)
        {
            AddAll(module["variables"]!["elasticPremiumSettings"]);
        }

        return settings;
    }

    [GeneratedRegex("password|secret|connectionstring|accesskey|apikey", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex RoleGuid();
}
