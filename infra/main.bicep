// DrainFunctions on Azure: a Function App (dotnet-isolated, .NET 10) that drains failed phases,
// with identity-only storage for the runtime, the Durable Task hub and the session snapshots,
// Application Insights, a Key Vault holding the database URL, and optionally a PostgreSQL
// flexible server and a private network. Subscription scope, as `azd up` deploys it: this file
// checks the parameters, creates the resource group and calls resources.bicep in it.
// Deploy: see infra/README.md.
targetScope = 'subscription'

// ---------------------------------------------------------------- naming and placement

@description('Name of the environment (azd: AZURE_ENV_NAME); names the resource group and seeds the resource names.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region of the resource group and its resources (azd: AZURE_LOCATION).')
@minLength(1)
param location string

@description('Resource group to create or reuse; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Short name used as the prefix of every resource name (letters, digits, hyphens).')
@minLength(2)
@maxLength(12)
param appName string = 'drain'

@description('Tags applied to every resource.')
param tags object = {}

@description('''Principal (object) id of the developer who deploys (azd: AZURE_PRINCIPAL_ID): gets the
storage data roles and Key Vault Secrets Officer, to read sessions and set database-url. Empty for none.''')
param principalId string = ''

@description('Kind of principalId (azd: AZURE_PRINCIPAL_TYPE): User, or ServicePrincipal when a pipeline deploys.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

// ---------------------------------------------------------------- hosting

@description('''Hosting plan. FlexConsumption (FC1): no 10-minute cap on a function, scale to zero,
per-instance billing. ElasticPremium (EP1): always-ready instances and an unbounded functionTimeout.
See modules/functionapp.bicep.''')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param planKind string = 'FlexConsumption'

@description('Flex: maximum instance count, 40 to 1000 (Flex refuses a lower maximum). Elastic Premium: maximum burst, up to 100.')
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

@description('''Always-ready instances. Flex: of the "durable" group (orchestrators and activities),
1 by default as Durable Functions on Flex recommends (0 allows scale to zero). Elastic Premium: the
minimum instance count (at least 1 is kept).''')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 1

@description('Private deployment: VNet integration, private endpoints for storage, Key Vault (and PostgreSQL), their public access off.')
param vnetEnabled bool = false

@description('''Client id of an Entra ID app registration: when set, App Service authentication
(authsettingsV2) requires a token for it on every request, in front of the function keys. Empty: keys only.''')
param authClientId string = ''

// ---------------------------------------------------------------- database

@description('Create an Azure Database for PostgreSQL flexible server (needs vnetEnabled) and point DATABASE_URL at it.')
param deployPostgres bool = false

@description('PostgreSQL administrator login (when deployPostgres).')
param postgresAdminLogin string = 'drainadmin'

@description('PostgreSQL administrator password (when deployPostgres; required then). Kept only in Key Vault.')
@secure()
param postgresAdminPassword string = ''

@description('PostgreSQL database name (when deployPostgres).')
param postgresDatabaseName string = 'drain'

@description('''Connection URL of an existing database (when not deployPostgres), e.g.
postgresql://user:password@host:5432/db?sslmode=require. Stored as the Key Vault secret
"database-url"; never in an app setting or output.''')
@secure()
param databaseUrl string = ''

@description('''True when the "database-url" secret is already in the vault (set by hand after an earlier
deployment): lets a deployment without deployPostgres or databaseUrl through, keeping the secret as it is.''')
param databaseUrlSecretExists bool = false

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

@description('''Scheduled drains: timeout of one phase in seconds (Drain__PhaseTimeoutSeconds). At most
3540: Flex Consumption and Elastic Premium give a running execution 60 minutes of grace at scale-in,
so a longer phase can be killed midway.''')
@minValue(1)
@maxValue(3540)
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

@description('''Phase executor (Executor__Kind). "demo" (default) runs the stand-in executor shipped in
the package, the one executor that runs on the deployed worker as is. "process" runs
executorCommandTemplate, whose program must be in the package or on the worker image: the
dotnet-isolated worker has no Python and its package directory is read-only. "agent" hands each
phase to `drain agent` processes on the machines where Autopack lives (docs/agents.md).''')
@allowed([
  'process'
  'demo'
  'agent'
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

@description('Storage queue of the agents\' work (Agents__QueueName), used with executorKind "agent".')
@minLength(3)
@maxLength(63)
param agentQueueName string = 'drain-agent-work'

@description('Executor kind "agent": seconds without a heartbeat after which an agent\'s phase is lost (Agents__HeartbeatTimeout).')
@minValue(1)
@maxValue(3600)
param agentHeartbeatTimeoutSeconds int = 30

// ---------------------------------------------------------------- checks ARM cannot express as decorators

// Each is evaluated before anything is created (the resource group's name depends on them), so a
// refused parameter set fails the deployment at once, with the message, and leaves nothing behind.
var isFlex = planKind == 'FlexConsumption'
var executorProgram = toLower(first(split(trim(executorCommandTemplate), ' ')))
var parameterProblems = filter(
  [
    isFlex && maximumInstanceCount < 40
      ? 'maximumInstanceCount must be at least 40 on Flex Consumption (the lowest maximum it accepts)'
      : ''
    !isFlex && maximumInstanceCount > 100 ? 'maximumInstanceCount is at most 100 on Elastic Premium' : ''
    deployPostgres && length(postgresAdminPassword) < 8
      ? 'deployPostgres needs postgresAdminPassword (8 characters or more; POSTGRES_ADMIN_PASSWORD in the environment)'
      : ''
    deployPostgres && !vnetEnabled
      ? 'deployPostgres needs vnetEnabled: the server is reached through a private endpoint only (no firewall rule admits all of Azure)'
      : ''
    deployPostgres && !empty(databaseUrl) ? 'give either deployPostgres or databaseUrl, not both' : ''
    !deployPostgres && empty(databaseUrl) && !databaseUrlSecretExists
      ? 'DATABASE_URL is a Key Vault reference to the secret "database-url", and nothing sets it: give databaseUrl (DATABASE_URL in the environment), or deployPostgres, or databaseUrlSecretExists=true once the secret is in the vault'
      : ''
    executorKind == 'process' && contains(['python', 'python3', 'py'], executorProgram)
      ? 'executorKind "process" with a Python command cannot run on the deployed worker (dotnet-isolated: no Python, read-only package directory); use "demo", or a program shipped in the package'
      : ''
  ],
  problem => !empty(problem)
)
var checkedEnvironmentName = empty(parameterProblems)
  ? environmentName
  : fail('Refused parameters: ${join(parameterProblems, '; ')}.')

// ---------------------------------------------------------------- names and settings

var groupName = empty(resourceGroupName) ? 'rg-${checkedEnvironmentName}' : resourceGroupName
var resourceToken = toLower(uniqueString(subscription().id, checkedEnvironmentName, location, appName))
var allTags = union(tags, {
  'azd-env-name': environmentName
})

// The app's settings other than storage, monitoring and the database (see the modules for those).
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
  Agents__HeartbeatTimeout: '${padLeft(string(agentHeartbeatTimeoutSeconds / 3600), 2, '0')}:${padLeft(string((agentHeartbeatTimeoutSeconds % 3600) / 60), 2, '0')}:${padLeft(string(agentHeartbeatTimeoutSeconds % 60), 2, '0')}'
}

// ---------------------------------------------------------------- resources

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: groupName
  location: location
  tags: allTags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: group
  params: {
    location: location
    tags: allTags
    resourceToken: resourceToken
    appName: appName
    planKind: planKind
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyInstances: alwaysReadyInstances
    deployPostgres: deployPostgres
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    postgresDatabaseName: postgresDatabaseName
    databaseUrl: databaseUrl
    drainSettings: drainSettings
    sessionsContainerName: sessionsContainerName
    agentQueueName: agentQueueName
    vnetEnabled: vnetEnabled
    developerPrincipalId: principalId
    developerPrincipalType: principalType
    authClientId: authClientId
    siteTags: {
      'azd-service-name': 'api'
    }
  }
}

// ---------------------------------------------------------------- outputs (no secrets)

@description('Resource group of the deployment.')
output AZURE_RESOURCE_GROUP string = group.name

@description('Function App name.')
output functionAppName string = resources.outputs.functionAppName

@description('Function App base URL.')
output functionAppUrl string = 'https://${resources.outputs.defaultHostName}'

@description('Storage account for the runtime, the task hub and the session snapshots.')
output storageAccountName string = resources.outputs.storageAccountName

@description('Blob container for session snapshots and logs.')
output sessionsContainerName string = resources.outputs.sessionsContainerName

@description('Blob container of the deployment package.')
output deploymentContainerName string = resources.outputs.deploymentContainerName

@description('Key Vault holding the database-url secret (the name only).')
output keyVaultName string = resources.outputs.keyVaultName

@description('Hosting plan SKU (FC1 or EP1).')
output planSkuName string = resources.outputs.planSkuName
