// The Function App (dotnet-isolated, .NET 10, Linux) and its hosting plan.
//
// Why the plan is a choice (planKind): a drain runs each phase as one activity, and a phase can
// run for a long time (Drain__PhaseTimeoutSeconds, 900 s by default). The classic Consumption plan
// caps a function at 10 minutes, so it is not offered.
//  - FlexConsumption (FC1, default): no 10-minute cap (functionTimeout may be unbounded), scales
//    per instance to zero, pay per use; one always-ready instance of the durable group by default.
//  - ElasticPremium (EP1): always-ready instances and an unbounded functionTimeout; billed per
//    instance-hour.
// On both, scale-in gives a running execution 60 minutes of grace, then the instance goes: main.bicep
// keeps the phase timeout below that (at most 3540 s), so a phase ends by its own timeout first.
//
// Storage is identity-only (the account has shared keys disabled), so neither plan uses an Azure
// Files content share (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING would need a key):
//  - Flex deploys from a blob container through functionAppConfig.deployment (identity auth);
//  - Elastic Premium runs from a package blob (WEBSITE_RUN_FROM_PACKAGE = the blob URL, read with
//    the identity named by WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID).

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Function App name (globally unique host name).')
param functionAppName string

@description('Hosting plan name.')
param planName string

@description('FlexConsumption (FC1) or ElasticPremium (EP1): see the comment at the top of this file.')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param planKind string

@description('Flex: maximum instance count. Elastic Premium: maximum burst (function app scale limit).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Flex: instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Always-ready instances (Flex: for the "durable" group; Elastic Premium: minimum elastic instances, at least 1).')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int

@description('Resource id of the user-assigned identity.')
param identityResourceId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob endpoint of the storage account, with trailing slash.')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account, with trailing slash.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account, with trailing slash.')
param storageTableEndpoint string

@description('Container holding the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component (same resource group).')
param appInsightsName string

@description('Vault URI of the Key Vault holding the database URL, with trailing slash.')
param keyVaultUri string

@description('Name of the Key Vault secret holding the database URL.')
param databaseUrlSecretName string

@description('The app\'s own settings (task hub, schedule, drain, executor, snapshots). No secrets.')
param appSettings object

@description('Subnet for outbound VNet integration (vnetEnabled); empty for none.')
param appSubnetId string = ''

@description('Client id of the Entra ID app registration that guards the app (authsettingsV2); empty: function keys only.')
param authClientId string = ''

@description('Tenant of that app registration.')
param authTenantId string = tenant().tenantId

@description('Tags of the site alone (azd finds the service by its azd-service-name tag).')
param siteTags object = {}

// Its connection string holds an instrumentation key, an identifier rather than a credential (local
// auth is disabled on the component); it goes to the app settings only.
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

var isFlex = planKind == 'FlexConsumption'

// Plan SKU per plan kind. EP1 is the smallest Elastic Premium size; EP2/EP3 work the same way.
var planSkus = {
  FlexConsumption: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  ElasticPremium: {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
}

var packageBlobName = 'drainfunctions.zip'

// Settings every plan needs. Storage is reached with the managed identity only: no
// AzureWebJobsStorage connection string, no account key anywhere. The service URIs are the
// account's own endpoints (not built from the account name), so sovereign clouds work too.
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // DefaultAzureCredential in the worker (session store, Key Vault) picks this identity.
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // A Key Vault reference, resolved by the platform with keyVaultReferenceIdentity below.
  DATABASE_URL: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${databaseUrlSecretName})'
}

// Elastic Premium only: Flex sets the runtime in functionAppConfig and rejects these settings.
var elasticPremiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'
  WEBSITE_RUN_FROM_PACKAGE: '${storageBlobEndpoint}${deploymentContainerName}/${packageBlobName}'
  WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identityResourceId
}

// Site configuration per plan. Flex Consumption refuses (ARM error 51021), even as null, the
// properties that only the other plans have: ftpsState, http20Enabled, linuxFxVersion,
// minimumElasticInstanceCount, functionAppScaleLimit. So they are not in Flex's object at all.
var flexSiteConfig = {
  minTlsVersion: '1.2'
  scmMinTlsVersion: '1.2'
}

var elasticPremiumSiteConfig = {
  linuxFxVersion: 'DOTNET-ISOLATED|10.0'
  minimumElasticInstanceCount: max(alwaysReadyInstances, 1)
  functionAppScaleLimit: maximumInstanceCount
  ftpsState: 'Disabled'
  http20Enabled: true
  // With VNet integration, the package blob and the Key Vault reference go through the network.
  vnetRouteAllEnabled: !empty(appSubnetId)
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: planSkus[planKind]
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : maximumInstanceCount
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, siteTags)
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityResourceId
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storageBlobEndpoint}${deploymentContainerName}'
              authentication: {
                type: 'UserAssignedIdentity'
                userAssignedIdentityResourceId: identityResourceId
              }
            }
          }
          scaleAndConcurrency: {
            maximumInstanceCount: maximumInstanceCount
            instanceMemoryMB: instanceMemoryMB
            alwaysReady: alwaysReadyInstances > 0
              ? [
                  {
                    name: 'durable'
                    instanceCount: alwaysReadyInstances
                  }
                ]
              : []
          }
          runtime: {
            name: 'dotnet-isolated'
            version: '10.0'
          }
        }
      : null
    virtualNetworkSubnetId: empty(appSubnetId) ? null : appSubnetId
    siteConfig: isFlex ? flexSiteConfig : union(flexSiteConfig, elasticPremiumSiteConfig)
  }
}

// Entra ID authentication in front of the function keys: every request, the Durable extension's
// built-in webhooks (/runtime/webhooks/durabletask) included, needs a bearer token for the app
// registration; function keys still apply behind it.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(authClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    platformSettings,
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    },
    appSettings,
    isFlex ? {} : elasticPremiumSettings
  )
}

// Basic (user name + password) publishing credentials off for FTP and for the SCM site:
// deployments authenticate with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Function App name.')
output name string = site.name

@description('Default host name, e.g. <app>.azurewebsites.net.')
output defaultHostName string = site.properties.defaultHostName

@description('Plan SKU name (FC1 or EP1).')
output planSkuName string = plan.sku.name

@description('Blob that Elastic Premium runs from (unused on Flex).')
output packageBlobName string = packageBlobName
