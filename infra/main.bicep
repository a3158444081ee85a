// DrainFunctions on Azure: a Function App (dotnet-isolated, .NET 10) that drains failed phases,
// with identity-only storage for the runtime, the Durable Task hub and the session snapshots,
// Application Insights, a Key Vault holding the database URL, and optionally a PostgreSQL
// flexible server. Deploy: see infra/README.md.
targetScope = 'resourceGroup'

// ---------------------------------------------------------------- naming and placement

@description('Azure region; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Short name used as the prefix of every resource name (letters, digits, hyphens).')
@minLength(2)
@maxLength(12)
param appName string = 'drain'

@description('Tags applied to every resource.')
param tags object = {}

// ---------------------------------------------------------------- hosting

@description('''Hosting plan. FlexConsumption (FC1): no 10-minute cap on a function, scale to zero,
per-instance billing. ElasticPremium (EP1): always-ready instances and an unbounded functionTimeout,
for drains whose phases run for a long time. See modules/functionapp.bicep.''')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param planKind string = 'FlexConsumption'

@description('Flex: maximum instance count. Elastic Premium: maximum burst.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex: memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances (Flex: 0 allows scale to zero; Elastic Premium: at least 1 is kept).')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 0

// ---------------------------------------------------------------- database

@description('Create an Azure Database for PostgreSQL flexible server and point DATABASE_URL at it.')
param deployPostgres bool = false

@description('PostgreSQL administrator login (when deployPostgres).')
param postgresAdminLogin string = 'drainadmin'

@description('PostgreSQL administrator password (when deployPostgres). Kept only in Key Vault.')
@secure()
param postgresAdminPassword string = ''

@description('PostgreSQL database name (when deployPostgres).')
param postgresDatabaseName string = 'drain'

@description('''Connection URL of an existing database (when not deployPostgres), e.g.
postgresql://user:password@host:5432/db?sslmode=require. Stored as the Key Vault secret
"database-url"; never in an app setting or output. Empty: set the secret after deployment.''')
@secure()
param databaseUrl string = ''

// ---------------------------------------------------------------- the app's own settings

@description('Durable Task hub name (DURABLE_TASK_HUB_NAME): letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'batchdrain'

@description('NCRONTAB schedule of the timer-triggered drain (DRAIN_SCHEDULE), six fields.')
param drainSchedule string = '0 0 * * * *'

@description('Whether the scheduled drain runs (DRAIN_SCHEDULE_ENABLED).')
param drainScheduleEnabled bool = false

@description('Scheduled drains: phases per batch (Drain__BatchSize).')
@minValue(1)
param drainBatchSize int = 10

@description('Scheduled drains: timeout of one phase in seconds (Drain__PhaseTimeoutSeconds).')
@minValue(1)
param drainPhaseTimeoutSeconds int = 900

@description('Scheduled drains: wall-clock budget of a run in minutes (Drain__MaxTotalMinutes); empty for none.')
param drainMaxTotalMinutes string = ''

@description('Scheduled drains: timeouts tolerated per run (Drain__MaxTimeoutsPerRun).')
@minValue(0)
param drainMaxTimeoutsPerRun int = 2

@description('Scheduled drains: attempts per phase (Drain__MaxAttemptsPerPhase).')
@minValue(1)
param drainMaxAttemptsPerPhase int = 2

@description('Scheduled drains: repeats of one failure fingerprint before it is skipped (Drain__MaxFingerprintRepeats).')
@minValue(1)
param drainMaxFingerprintRepeats int = 3

@description('Scheduled drains: consecutive zero-yield batches before stopping (Drain__MaxConsecutiveZeroYield); empty for none.')
param drainMaxConsecutiveZeroYield string = ''

@description('Scheduled drains: skip QUEUED phases one by one, never whole runs, as Autopack fixed it (Drain__SkipRunsWithQueued).')
param drainSkipRunsWithQueued bool = true

@description('Scheduled drains: also skip whole runs that have a phase QUEUED, EXECUTING, GATE or CI_RUNNING (Drain__SkipRunsInFlight).')
param drainSkipRunsInFlight bool = false

@description('Scheduled drains: comma-separated run id prefixes to skip (Drain__SkipRunPrefixes).')
param drainSkipRunPrefixes string = ''

@description('Scheduled drains: keep the attempt ledger (Drain__LedgerEnabled).')
param drainLedgerEnabled bool = true

@description('Scheduled drains: ledger window in hours (Drain__LedgerWindowHours).')
@minValue(1)
param drainLedgerWindowHours int = 72

@description('Phase executor (Executor__Kind): "process" runs Executor__CommandTemplate, "demo" simulates.')
@allowed([
  'process'
  'demo'
])
param executorKind string = 'demo'

@description('Command run per phase by the process executor (Executor__CommandTemplate).')
param executorCommandTemplate string = 'python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force'

@description('Working directory of the process executor (Executor__Workspace).')
param executorWorkspace string = '.'

@description('Base URL of the API the executor reports to (Executor__ApiUrl); empty for none.')
param executorApiUrl string = ''

@description('Blob container for session snapshots and logs (Snapshots__ContainerName).')
@minLength(3)
@maxLength(63)
param sessionsContainerName string = 'batch-drain-sessions'

// ---------------------------------------------------------------- names

var suffix = uniqueString(resourceGroup().id, appName)
var functionAppName = '${appName}-func-${suffix}'
var planName = '${appName}-plan-${suffix}'
var identityName = '${appName}-id-${suffix}'
var storageAccountName = take('st${toLower(replace(appName, '-', ''))}${suffix}', 24)
var keyVaultName = take('kv-${appName}-${suffix}', 24)
var workspaceName = '${appName}-log-${suffix}'
var appInsightsName = '${appName}-appi-${suffix}'
var postgresServerName = '${appName}-pg-${suffix}'
var deploymentContainerName = 'app-package'
var databaseUrlSecretName = 'database-url'

// The app's settings other than storage, monitoring and the database (see the module for those).
var drainSettings = {
  DURABLE_TASK_HUB_NAME: taskHubName
  DRAIN_SCHEDULE: drainSchedule
  DRAIN_SCHEDULE_ENABLED: drainScheduleEnabled ? 'true' : 'false'
  Drain__BatchSize: string(drainBatchSize)
  Drain__PhaseTimeoutSeconds: string(drainPhaseTimeoutSeconds)
  Drain__MaxTotalMinutes: drainMaxTotalMinutes
  Drain__MaxTimeoutsPerRun: string(drainMaxTimeoutsPerRun)
  Drain__MaxAttemptsPerPhase: string(drainMaxAttemptsPerPhase)
  Drain__MaxFingerprintRepeats: string(drainMaxFingerprintRepeats)
  Drain__MaxConsecutiveZeroYield: drainMaxConsecutiveZeroYield
  Drain__SkipRunsWithQueued: drainSkipRunsWithQueued ? 'true' : 'false'
  Drain__SkipRunsInFlight: drainSkipRunsInFlight ? 'true' : 'false'
  Drain__SkipRunPrefixes: drainSkipRunPrefixes
  Drain__LedgerEnabled: drainLedgerEnabled ? 'true' : 'false'
  Drain__LedgerWindowHours: string(drainLedgerWindowHours)
  Executor__Kind: executorKind
  Executor__CommandTemplate: executorCommandTemplate
  Executor__Workspace: executorWorkspace
  Executor__ApiUrl: executorApiUrl
  Snapshots__ContainerName: sessionsContainerName
  // The session store uses the managed identity against this endpoint (no connection string).
  Snapshots__BlobServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
}

// ---------------------------------------------------------------- resources

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    storageAccountName: storageAccountName
    sessionsContainerName: sessionsContainerName
    deploymentContainerName: deploymentContainerName
    principalId: identity.properties.principalId
    identityResourceId: identity.id
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
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  // The app reads the Application Insights component as an existing resource (so that its
  // connection string never travels through a module output): wait for it explicitly.
  dependsOn: [
    monitoring
  ]
  params: {
    location: location
    tags: tags
    functionAppName: functionAppName
    planName: planName
    planKind: planKind
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyInstances: alwaysReadyInstances
    identityResourceId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsName: appInsightsName
    keyVaultUri: keyVault.outputs.vaultUri
    databaseUrlSecretName: databaseUrlSecretName
    appSettings: drainSettings
  }
}

// ---------------------------------------------------------------- outputs (no secrets)

@description('Function App name.')
output functionAppName string = functionApp.outputs.name

@description('Function App base URL.')
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'

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
