// Optional Azure Database for PostgreSQL flexible server with one database, for a deployment
// that brings its own database instead of pointing DATABASE_URL at an existing one. Public network
// access is off: the app reaches it through the private endpoint of a vnetEnabled deployment.

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object

@description('Server name (globally unique).')
param serverName string

@description('Database name.')
param databaseName string

@description('Administrator login.')
param administratorLogin string

@description('Administrator password.')
@secure()
param administratorPassword string

@description('Compute SKU name, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string = 'Standard_B1ms'

@description('Compute tier matching skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string = 'Burstable'

@description('PostgreSQL major version.')
param version string = '16'

@description('Storage size in GiB.')
param storageSizeGB int = 32

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    // Reached through a private endpoint from the app's virtual network only (main.bicep
    // requires vnetEnabled with deployPostgres); no firewall rule admits anyone.
    network: {
      publicNetworkAccess: 'Disabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

@description('Fully qualified host name of the server.')
output fqdn string = server.properties.fullyQualifiedDomainName

@description('Database name.')
output databaseName string = database.name
