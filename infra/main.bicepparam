// Worked example of the deployment parameters. Secrets are not written here: they are read
// from the environment of the shell that runs `az deployment group create` (empty when unset).
using 'main.bicep'

param appName = 'drain'
param planKind = 'FlexConsumption'
param maximumInstanceCount = 40
param instanceMemoryMB = 2048
param alwaysReadyInstances = 0

// Database: either an existing one (DATABASE_URL in the environment) ...
param deployPostgres = false
param databaseUrl = readEnvironmentVariable('DATABASE_URL', '')
// ... or a new PostgreSQL flexible server (deployPostgres = true and POSTGRES_ADMIN_PASSWORD set).
param postgresAdminLogin = 'drainadmin'
param postgresAdminPassword = readEnvironmentVariable('POSTGRES_ADMIN_PASSWORD', '')
param postgresDatabaseName = 'drain'

param taskHubName = 'batchdrain'
param drainSchedule = '0 0 * * * *'
param drainScheduleEnabled = false
param drainBatchSize = 10
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

param executorKind = 'demo'
param executorCommandTemplate = 'python scripts/drain_one_phase.py --run-id {run_id} --phase-id {phase_id} --force'
param executorWorkspace = '.'
param executorApiUrl = ''

param sessionsContainerName = 'batch-drain-sessions'

param tags = {
  app: 'drainfunctions'
}
