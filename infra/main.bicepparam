// The deployment's parameters, read from the environment: the same variables as
// main.parameters.json (the file `azd up` fills in), so `az deployment sub create` with this file
// and `azd up` deploy the same thing. Secrets are never written here.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'drain-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'westeurope')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

param appName = 'drain'
param planKind = readEnvironmentVariable('DRAIN_PLAN_KIND', 'FlexConsumption')
param maximumInstanceCount = 40
param instanceMemoryMB = 2048
param alwaysReadyInstances = 1
param vnetEnabled = bool(readEnvironmentVariable('VNET_ENABLED', 'false'))
param authClientId = readEnvironmentVariable('AUTH_CLIENT_ID', '')

// Database: an existing one (DATABASE_URL), or a new PostgreSQL flexible server (DEPLOY_POSTGRES=true,
// POSTGRES_ADMIN_PASSWORD, and VNET_ENABLED=true), or the secret already in the vault
// (DATABASE_URL_SECRET_EXISTS=true). main.bicep refuses a deployment with none of them.
param databaseUrl = readEnvironmentVariable('DATABASE_URL', '')
param databaseUrlSecretExists = bool(readEnvironmentVariable('DATABASE_URL_SECRET_EXISTS', 'false'))
param deployPostgres = bool(readEnvironmentVariable('DEPLOY_POSTGRES', 'false'))
param postgresAdminLogin = 'drainadmin'
param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD', '')
param postgresDatabaseName = 'drain'

param taskHubName = 'batchdrain'
param drainSchedule = '0 0 * * * *'
param drainScheduleEnabled = false
param drainBatchSize = 10
// Below the 60-minute scale-in grace of Flex Consumption and Elastic Premium (main.bicep allows 3540 at most).
param drainPhaseTimeoutSeconds = 900
param drainMaxTotalMinutes = ''
param drainMaxTimeoutsPerRun = 2
param drainMaxAttemptsPerPhase = 2
param drainMaxFingerprintRepeats = 3
param drainMaxConsecutiveZeroYield = ''
param drainSkipRunsWithQueued = true
param drainSkipRunsInFlight = false
param drainSkipRunPrefixes = ''
param drainLedgerEnabled = true
param drainLedgerWindowHours = 72

// The one executor that runs on the deployed worker as is (see executorKind in main.bicep).
param executorKind = 'demo'
param executorCommandTemplate = 'python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force'
param executorWorkspace = '.'
param executorApiUrl = ''

param sessionsContainerName = 'batch-drain-sessions'

param tags = {
  app: 'drainfunctions'
}
