// Key Vault (RBAC permission model) that holds the database connection URL as the secret
// `database-url`. The Function App reads it through a Key Vault reference in its DATABASE_URL
// app setting, with its user-assigned identity (Key Vault Secrets User on this vault only).

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param keyVaultName string

@description('Name of the secret holding the database URL.')
param databaseUrlSecretName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param principalId string

@description('Resource id of the app\'s user-assigned identity (seeds the role assignment name).')
param identityResourceId string

@description('True when the PostgreSQL flexible server of this deployment is the database.')
param deployPostgres bool

@description('Host name of the PostgreSQL flexible server (when deployPostgres).')
param postgresFqdn string

@description('Database name on the PostgreSQL flexible server (when deployPostgres).')
param postgresDatabaseName string

@description('Administrator login of the PostgreSQL flexible server (when deployPostgres).')
param postgresAdminLogin string

@description('Administrator password of the PostgreSQL flexible server (when deployPostgres).')
@secure()
param postgresAdminPassword string

@description('Connection URL of an existing database (when not deployPostgres). Empty: set the secret later.')
@secure()
param databaseUrl string

@description('Principal (object) id of a developer given Key Vault Secrets Officer (to set database-url); empty for none.')
param developerPrincipalId string = ''

@description('User or ServicePrincipal: the kind of developerPrincipalId.')
param developerPrincipalType string = 'User'

@description('True when the vault is reached through a private endpoint only (vnetEnabled): public network access off.')
param privateOnly bool = false

// Built-in roles: Key Vault Secrets User (read secret values), Key Vault Secrets Officer (write them).
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: privateOnly ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: privateOnly ? 'None' : 'AzureServices'
      defaultAction: privateOnly ? 'Deny' : 'Allow'
    }
  }
}

// The secret is written only when there is a value to write. main.bicep refuses a deployment with
// neither a new server nor databaseUrl unless databaseUrlSecretExists says the secret is already
// in the vault: the app's DATABASE_URL reference must never point at a missing secret.
resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (deployPostgres || !empty(databaseUrl)) {
  parent: vault
  name: databaseUrlSecretName
  properties: {
    contentType: 'text/plain'
    value: deployPostgres
      ? 'postgresql://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgresFqdn}:5432/${postgresDatabaseName}?sslmode=require'
      : databaseUrl
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityResourceId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    description: 'Key Vault Secrets User for the drain Function App identity'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource developerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  name: guid(vault.id, developerPrincipalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    description: 'Key Vault Secrets Officer for the developer'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

@description('Key Vault name.')
output name string = vault.name

@description('Vault URI, e.g. https://<vault>.vault.azure.net/ (trailing slash).')
output vaultUri string = vault.properties.vaultUri
