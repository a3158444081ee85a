using System.Text.Json.Nodes;

namespace DrainFunctions.Infra.Tests;

/// <summary>main.bicep evaluated for whole parameter sets: what each plan and option deploys, and what is refused.</summary>
public sealed class SnapshotTests(EvaluatedInfra infra) : IClassFixture<EvaluatedInfra>
{
    private const string WithDatabase = "param databaseUrl = 'postgresql://drain:pw@db.example:5432/drain?sslmode=require'";

    // ARM error 51021 on Flex Consumption names these, even when sent as null.
    private static readonly string[] KeysFlexRejects =
        ["ftpsState", "http20Enabled", "linuxFxVersion", "minimumElasticInstanceCount", "functionAppScaleLimit"];

    [Fact]
    public void Snapshot_FlexConsumption_SiteConfigHasNoKeyFlexRejects()
    {
        var outcome = Accepted(WithDatabase);

        var site = outcome.Single("Microsoft.Web/sites");
        var siteConfig = site["properties"]!["siteConfig"]!.AsObject();
        Assert.All(KeysFlexRejects, key => Assert.False(siteConfig.ContainsKey(key), $"siteConfig has {key}: {siteConfig.ToJsonString()}"));
        Assert.Equal("1.2", (string?)siteConfig["minTlsVersion"]);
        Assert.Equal("FC1", (string?)outcome.Single("Microsoft.Web/serverfarms")["sku"]!["name"]);

        // One always-ready instance for the durable group, as Durable Functions on Flex recommends.
        var scale = site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!;
        Assert.Equal(40, (int)scale["maximumInstanceCount"]!);
        var alwaysReady = Assert.Single(scale["alwaysReady"]!.AsArray());
        Assert.Equal("durable", (string?)alwaysReady!["name"]);
        Assert.Equal(1, (int)alwaysReady["instanceCount"]!);
    }

    [Fact]
    public void Snapshot_ElasticPremium_SiteConfigKeepsRuntimeAndScaleSettings()
    {
        var outcome = Accepted(WithDatabase, "param planKind = 'ElasticPremium'", "param maximumInstanceCount = 20");

        var site = outcome.Single("Microsoft.Web/sites");
        var siteConfig = site["properties"]!["siteConfig"]!;
        Assert.Equal("DOTNET-ISOLATED|10.0", (string?)siteConfig["linuxFxVersion"]);
        Assert.Equal(1, (int)siteConfig["minimumElasticInstanceCount"]!);
        Assert.Equal(20, (int)siteConfig["functionAppScaleLimit"]!);
        Assert.Equal("Disabled", (string?)siteConfig["ftpsState"]);
        Assert.Null(site["properties"]!["functionAppConfig"]);
        Assert.Equal("EP1", (string?)outcome.Single("Microsoft.Web/serverfarms")["sku"]!["name"]);
    }

    [Theory]
    [InlineData("maximumInstanceCount must be at least 40 on Flex Consumption", WithDatabase, "param maximumInstanceCount = 20")]
    [InlineData("maximumInstanceCount is at most 100 on Elastic Premium", WithDatabase, "param planKind = 'ElasticPremium'", "param maximumInstanceCount = 200")]
    [InlineData("deployPostgres needs postgresAdminPassword", "param deployPostgres = true", "param vnetEnabled = true")]
    [InlineData("deployPostgres needs vnetEnabled", "param deployPostgres = true", "param postgresAdminPassword = 'a-long-password-1'")]
    [InlineData("give either deployPostgres or databaseUrl", WithDatabase, "param deployPostgres = true", "param vnetEnabled = true", "param postgresAdminPassword = 'a-long-password-1'")]
    [InlineData("nothing sets it")]
    [InlineData("cannot run on the deployed worker", WithDatabase, "param executorKind = 'process'")]
    public void Snapshot_RefusedParameterSet_FailsNamingTheProblem(string expected, params string[] parameterLines)
    {
        var outcome = infra.Take(parameterLines);

        Assert.True(outcome.Snapshot is null, $"accepted: {outcome.Result}");
        Assert.Contains("Refused parameters: ", outcome.Result.Combined, StringComparison.Ordinal);
        Assert.Contains(expected, outcome.Result.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_NoDatabaseUrl_IsAcceptedOnlyWhenTheSecretExists()
    {
        var outcome = Accepted("param databaseUrlSecretExists = true");

        Assert.Single(outcome.Resources("Microsoft.Web/sites/config"), c => ((string?)c["name"])!.EndsWith("/appsettings", StringComparison.Ordinal));
    }

    [Fact]
    public void Snapshot_VnetEnabled_IntegratesTheAppAndClosesStorageVaultAndPostgres()
    {
        var outcome = Accepted("param vnetEnabled = true", "param deployPostgres = true", "param postgresAdminPassword = 'a-long-password-1'");

        var storage = outcome.Single("Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.Equal("Disabled", (string?)storage["publicNetworkAccess"]);
        Assert.Equal("Deny", (string?)storage["networkAcls"]!["defaultAction"]);
        var vault = outcome.Single("Microsoft.KeyVault/vaults")["properties"]!;
        Assert.Equal("Disabled", (string?)vault["publicNetworkAccess"]);
        Assert.Equal("Deny", (string?)vault["networkAcls"]!["defaultAction"]);
        var server = outcome.Single("Microsoft.DBforPostgreSQL/flexibleServers")["properties"]!;
        Assert.Equal("Disabled", (string?)server["network"]!["publicNetworkAccess"]);
        Assert.Empty(outcome.Resources("Microsoft.DBforPostgreSQL/flexibleServers/firewallRules"));

        var groups = outcome.Resources("Microsoft.Network/privateEndpoints")
            .Select(e => (string?)e["properties"]!["privateLinkServiceConnections"]![0]!["properties"]!["groupIds"]![0])
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(["blob", "postgresqlServer", "queue", "table", "vault"], groups);
        Assert.Equal(5, outcome.Resources("Microsoft.Network/privateDnsZones").Count());

        var vnet = outcome.Single("Microsoft.Network/virtualNetworks");
        var appSubnet = vnet["properties"]!["subnets"]!.AsArray().Single(s => (string?)s!["name"] == "app")!;
        Assert.Equal("Microsoft.App/environments", (string?)appSubnet["properties"]!["delegations"]![0]!["properties"]!["serviceName"]);
        // The subnet id is the network module's output, known only while deploying: set, not null.
        Assert.NotNull(outcome.Single("Microsoft.Web/sites")["properties"]!["virtualNetworkSubnetId"]);
    }

    [Fact]
    public void Snapshot_Default_LeavesNetworkOpenWithoutPrivateEndpoints()
    {
        var outcome = Accepted(WithDatabase);

        Assert.Equal("Enabled", (string?)outcome.Single("Microsoft.Storage/storageAccounts")["properties"]!["publicNetworkAccess"]);
        Assert.Empty(outcome.Resources("Microsoft.Network/virtualNetworks"));
        Assert.Empty(outcome.Resources("Microsoft.Network/privateEndpoints"));
        Assert.Null(outcome.Single("Microsoft.Web/sites")["properties"]!["virtualNetworkSubnetId"]);
        Assert.Empty(outcome.Resources("Microsoft.DBforPostgreSQL/flexibleServers"));
    }

    [Fact]
    public void Snapshot_AuthClientId_RequiresAnEntraTokenInFrontOfTheKeys()
    {
        const string clientId = "11111111-2222-3333-4444-555555555555";
        var withAuth = Accepted(WithDatabase, $"param authClientId = '{clientId}'");
        var without = Accepted(WithDatabase);

        var auth = Assert.Single(withAuth.Resources("Microsoft.Web/sites/config"), c => ((string?)c["name"])!.EndsWith("/authsettingsV2", StringComparison.Ordinal));
        var properties = auth["properties"]!;
        Assert.True((bool)properties["globalValidation"]!["requireAuthentication"]!);
        Assert.Equal("Return401", (string?)properties["globalValidation"]!["unauthenticatedClientAction"]);
        var aad = properties["identityProviders"]!["azureActiveDirectory"]!;
        Assert.Equal(clientId, (string?)aad["registration"]!["clientId"]);
        Assert.Contains("/v2.0", (string?)aad["registration"]!["openIdIssuer"], StringComparison.Ordinal);
        Assert.Contains($"api://{clientId}", aad["validation"]!["allowedAudiences"]!.AsArray().Select(a => (string?)a));
        Assert.DoesNotContain(without.Resources("Microsoft.Web/sites/config"), c => ((string?)c["name"])!.EndsWith("/authsettingsV2", StringComparison.Ordinal));
    }

    [Fact]
    public void Snapshot_PrincipalId_GetsTheStorageDataRolesAndSecretsOfficer()
    {
        const string developer = "99999999-8888-7777-6666-555555555555";
        var withDeveloper = Accepted(WithDatabase, $"param principalId = '{developer}'");
        var without = Accepted(WithDatabase);

        var developerRoles = withDeveloper.Resources("Microsoft.Authorization/roleAssignments")
            .Where(a => (string?)a["properties"]!["principalId"] == developer)
            .ToList();
        Assert.Equal(4, developerRoles.Count);
        Assert.All(developerRoles, a => Assert.Equal("User", (string?)a["properties"]!["principalType"]));
        Assert.Contains(developerRoles, a => ((string?)a["properties"]!["roleDefinitionId"])!.EndsWith("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", StringComparison.Ordinal));
        Assert.DoesNotContain(without.Resources("Microsoft.Authorization/roleAssignments"), a => (string?)a["properties"]!["principalType"] == "User");

        var pipeline = Accepted(WithDatabase, $"param principalId = '{developer}'", "param principalType = 'ServicePrincipal'");
        Assert.All(
            pipeline.Resources("Microsoft.Authorization/roleAssignments").Where(a => (string?)a["properties"]!["principalId"] == developer),
            a => Assert.Equal("ServicePrincipal", (string?)a["properties"]!["principalType"]));
    }

    [Fact]
    public void Snapshot_ResourceGroup_IsCreatedAndTaggedForAzd()
    {
        var outcome = Accepted(WithDatabase);

        var group = outcome.Single("Microsoft.Resources/resourceGroups");
        Assert.Equal("rg-drain-test", (string?)group["name"]);
        Assert.Equal("drain-test", (string?)group["tags"]!["azd-env-name"]);
        Assert.Equal("api", (string?)outcome.Single("Microsoft.Web/sites")["tags"]!["azd-service-name"]);
        Assert.Equal("rg-drain-test", (string?)outcome.Snapshot!["outputs"]!["AZURE_RESOURCE_GROUP"]);
    }

    private EvaluatedInfra.Outcome Accepted(params string[] parameterLines)
    {
        var outcome = infra.Take(parameterLines);
        Assert.True(outcome.Snapshot is not null, $"refused: {outcome.Result}");
        return outcome;
    }
}
