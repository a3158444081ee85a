// Everything of one deployment inside its resource group: the identity, storage, monitoring,
// Key Vault, the optional PostgreSQL server and virtual network, and the Function App.
// main.bicep (subscription scope) validates the parameters, creates the group and calls this.
targetScope = 'resourceGroup'

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Seed of the unique resource names (main.bicep passes the environment\'s).')
@minLength(13)
@maxLength(13)
param resourceToken string

@description('Short name used as the prefix of every resource name.')
@minLength(2)
@maxLength(12)
param appName string

@description('FlexConsumption or ElasticPremium (see modules/functionapp.bicep).')
param planKind string

@description('Flex: maximum instance count. Elastic Premium: maximum burst.')
param maximumInstanceCount int

@description('Flex: memory per instance in MB.')
param instanceMemoryMB int

@description('Always-ready instances (Flex: of the durable group; Elastic Premium: minimum instances).')
param alwaysReadyInstances int

@description('Create the PostgreSQL flexible server.')
param deployPostgres bool

@description('PostgreSQL administrator login (when deployPostgres).')
param postgresAdminLogin string

@description('PostgreSQL administrator password (when deployPostgres).')
@secure()
param postgresAdminPassword string

@description('PostgreSQL database name (when deployPostgres).')
param postgresDatabaseName string

@description('Connection URL of an existing database (when not deployPostgres); empty keeps the secret as it is.')
@secure()
param databaseUrl string

@description('The app\'s own settings (task hub, schedule, drain, executor); no secrets.')
param drainSettings object

@description('Blob container for session snapshots and logs.')
param sessionsContainerName string

@description('Storage queue of the agents\' work (Agents__QueueName).')
param agentQueueName string = 'drain-agent-work'

@description('Private deployment: VNet integration, private endpoints, public access off on storage, Key Vault and PostgreSQL.')
param vnetEnabled bool

@description('Principal (object) id of a developer given the data roles; empty for none.')
param developerPrincipalId string

@description('User or ServicePrincipal: the kind of developerPrincipalId.')
param developerPrincipalType string

@description('Client id of the Entra ID app registration in front of the function keys; empty for none.')
param authClientId string

@description('Tags of the Function App alone (azd-service-name).')
param siteTags object

var isFlex = planKind == 'FlexConsumption'
var functionAppName = '${appName}-func-${resourceToken}'
var planName = '${appName}-plan-${resourceToken}'
var identityName = '${appName}-id-${resourceToken}'
var storageAccountName = take('st${toLower(replace(appName, '-', ''))}${resourceToken}', 24)
var keyVaultName = take('kv-${appName}-${resourceToken}', 24)
var workspaceName = '${appName}-log-${resourceToken}'
var appInsightsName = '${appName}-appi-${resourceToken}'
var postgresServerName = '${appName}-pg-${resourceToken}'
var vnetName = '${appName}-vnet-${resourceToken}'
var deploymentContainerName = 'app-package'
var databaseUrlSecretName = 'database-url'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  params: {
    location: location
    tags: tags
    vnetName: vnetName
    isFlex: isFlex
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: storageAccountName
    sessionsContainerName: sessionsContainerName
    agentQueueName: agentQueueName
    deploymentContainerName: deploymentContainerName
    principalId: identity.properties.principalId
    identityResourceId: identity.id
    developerPrincipalId: developerPrincipalId
    developerPrincipalType: developerPrincipalType
    privateOnly: vnetEnabled
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    workspaceName: workspaceName
    appInsightsName: appInsightsName
    principalId: identity.properties.principalId
    identityResourceId: identity.id
  }
}

module postgres 'modules/postgres.bicep' = if (deployPostgres) {
  name: 'postgres'
  params: {
    location: location
    tags: tags
    serverName: postgresServerName
    databaseName: postgresDatabaseName
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: tags
    keyVaultName: keyVaultName
    databaseUrlSecretName: databaseUrlSecretName
    principalId: identity.properties.principalId
    identityResourceId: identity.id
    deployPostgres: deployPostgres
    postgresFqdn: deployPostgres ? postgres!.outputs.fqdn : ''
    postgresDatabaseName: deployPostgres ? postgres!.outputs.databaseName : ''
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    databaseUrl: databaseUrl
    developerPrincipalId: developerPrincipalId
    developerPrincipalType: developerPrincipalType
    privateOnly: vnetEnabled
  }
}

// Private endpoints (vnetEnabled): the storage services the runtime, the task hub and the session
// store use, the vault, and the PostgreSQL server when this deployment creates it. Zone names
// come from the cloud's own suffixes where ARM has them. Targets are ids built from names (a
// loop's array must be known at the start of the deployment); dependsOn orders the creation.
var privateEndpoints = concat(
  [
    {
      name: 'blob'
      target: resourceId('Microsoft.Storage/storageAccounts', storageAccountName)
      zone: 'privatelink.blob.${environment().suffixes.storage}'
    }
    {
      name: 'queue'
      target: resourceId('Microsoft.Storage/storageAccounts', storageAccountName)
      zone: 'privatelink.queue.${environment().suffixes.storage}'
    }
    {
      name: 'table'
      target: resourceId('Microsoft.Storage/storageAccounts', storageAccountName)
      zone: 'privatelink.table.${environment().suffixes.storage}'
    }
    {
      name: 'vault'
      target: resourceId('Microsoft.KeyVault/vaults', keyVaultName)
      zone: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
    }
  ],
  deployPostgres
    ? [
        {
          name: 'postgresqlServer'
          target: resourceId('Microsoft.DBforPostgreSQL/flexibleServers', postgresServerName)
          // ARM's environment() has no PostgreSQL suffix: this is the public cloud's zone.
          zone: 'privatelink.postgres.database.azure.com'
        }
      ]
    : []
)

module endpoints 'modules/privateendpoint.bicep' = [
  for endpoint in (vnetEnabled ? privateEndpoints : []): {
    name: 'pe-${endpoint.name}'
    dependsOn: [
      storage
      keyVault
      postgres
    ]
    params: {
      location: location
      tags: tags
      name: '${appName}-pe-${endpoint.name}-${resourceToken}'
      subnetId: network!.outputs.privateEndpointSubnetId
      vnetId: network!.outputs.vnetId
      targetResourceId: endpoint.target
      groupId: endpoint.name
      dnsZoneName: endpoint.zone
    }
  }
]

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  // The app reads the Application Insights component as an existing resource (so that its
  // connection string never travels through a module output): wait for it explicitly. With
  // vnetEnabled it also waits for the private endpoints, or its first start finds no storage.
  dependsOn: [
    monitoring
    endpoints
  ]
  params: {
    location: location
    tags: tags
    siteTags: siteTags
    functionAppName: functionAppName
    planName: planName
    planKind: planKind
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyInstances: alwaysReadyInstances
    identityResourceId: identity.id
    identityClientId: identity.properties.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: appInsightsName
    keyVaultUri: keyVault.outputs.vaultUri
    databaseUrlSecretName: databaseUrlSecretName
    appSubnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
    authClientId: authClientId
    appSettings: union(drainSettings, {
      Snapshots__ContainerName: sessionsContainerName
      // The session store uses the managed identity against this endpoint (no connection string).
      Snapshots__BlobServiceUri: storage.outputs.blobEndpoint
      // Executor kind agent: phases wait here for `drain agent` processes (identity-based, like the sessions).
      Agents__QueueName: storage.outputs.agentQueueName
      Agents__QueueServiceUri: storage.outputs.queueEndpoint
    })
  }
}

@description('Function App name.')
output functionAppName string = functionApp.outputs.name

@description('Function App default host name.')
output defaultHostName string = functionApp.outputs.defaultHostName

@description('Storage account for the runtime, the task hub and the session snapshots.')
output storageAccountName string = storage.outputs.name

@description('Blob container for session snapshots and logs.')
output sessionsContainerName string = storage.outputs.sessionsContainerName

@description('Blob container of the deployment package.')
output deploymentContainerName string = storage.outputs.deploymentContainerName

@description('Key Vault holding the database-url secret (the name only).')
output keyVaultName string = keyVault.outputs.name

@description('Hosting plan SKU (FC1 or EP1).')
output planSkuName string = functionApp.outputs.planSkuName
