// Storage account for the Functions runtime (AzureWebJobsStorage), the Durable Task hub (queues,
// tables, blobs) and the session snapshots. Shared-key access is disabled: everything, the
// runtime included, authenticates with the app's user-assigned managed identity.

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Blob container for session snapshots and logs (Snapshots__ContainerName).')
param sessionsContainerName string

@description('Storage queue that holds phases for `drain agent` processes (Agents__QueueName; executor kind agent).')
param agentQueueName string = 'drain-agent-work'

@description('Blob container that holds the deployment package (Flex Consumption).')
param deploymentContainerName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

@description('Resource id of the app\'s user-assigned identity (seeds the role assignment names).')
param identityResourceId string

@description('Principal (object) id of a developer or deployer given the same data roles; empty for none.')
param developerPrincipalId string = ''

@description('User or ServicePrincipal: the kind of developerPrincipalId.')
param developerPrincipalType string = 'User'

@description('True when the account is reached through private endpoints only (vnetEnabled): public network access off.')
param privateOnly bool = false

// Built-in data-plane roles the Functions host, the Durable Task extension and the session store
// need. Storage Account Contributor is deliberately absent: it grants the account keys, and no
// key is used anywhere.
var storageRoles = [
  {
    name: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    name: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    name: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: privateOnly ? 'None' : 'AzureServices'
      defaultAction: privateOnly ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource sessionsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: sessionsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// Agents never touch it: they reach the app over HTTPS with a function key; the app (its
// identity holds Storage Queue Data Contributor) queues phases and claims them for the agents.
resource agentQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: agentQueueName
}

resource dataRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identityResourceId, role.id)
    scope: storage
    properties: {
      description: '${role.name} for the drain Function App identity'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The developer's own access (azd's principal, or whoever deploys): the same data roles, so that
// sessions and the task hub can be read with `--auth-mode login` while debugging.
resource developerDataRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in (empty(developerPrincipalId) ? [] : storageRoles): {
    name: guid(storage.id, developerPrincipalId, role.id)
    scope: storage
    properties: {
      description: '${role.name} for the developer'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: developerPrincipalId
      principalType: developerPrincipalType
    }
  }
]

@description('Storage account name.')
output name string = storage.name

@description('Queue of the agents\' work.')
output agentQueueName string = agentQueue.name

@description('Queue service endpoint (trailing slash).')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table service endpoint (trailing slash).')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Blob service endpoint, e.g. https://<account>.blob.core.windows.net/ (trailing slash).')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Session snapshot container name.')
output sessionsContainerName string = sessionsContainer.name

@description('Deployment package container name.')
output deploymentContainerName string = deploymentContainer.name
