namespace DrainFunctions.Cli.Local;

/// <summary>Where the local drain keeps its things, and which storage it talks to.</summary>
public sealed record LocalEnvironment(string RepositoryRoot, string WorkspaceFolder, string StorageConnectionString, string TaskHubName, string SessionContainer)
{
    public const string StorageSetting = "AzureWebJobsStorage";
    public const string TaskHubSetting = "DURABLE_TASK_HUB_NAME";

    /// <summary>The Function App's setting for the container of sessions, logs and the ledger.</summary>
    public const string ContainerSetting = "Snapshots__ContainerName";

    public string AzuriteDataFolder => Path.Combine(WorkspaceFolder, "azurite");

    public string DemoExecutorPath => Path.Combine(RepositoryRoot, "src", "DrainFunctions.DemoExecutor", "bin", "Release", "net10.0", "DrainFunctions.DemoExecutor.dll");

    /// <summary>
    /// The settings of this process. Without <c>DURABLE_TASK_HUB_NAME</c>, a drain of
    /// <paramref name="backlog"/> gets a task hub of its own (<c>batchdrain&lt;backlog key&gt;</c>):
    /// a local host runs its activities against its own DATABASE_URL, so it must never pick up an
    /// orchestration another database's drain left in a shared hub.
    /// </summary>
    public static LocalEnvironment FromProcess(Core.Ports.BacklogIdentity? backlog = null)
    {
        var root = Environment.GetEnvironmentVariable("DRAIN_REPO_ROOT") is { Length: > 0 } fromLauncher ? fromLauncher : FindRepositoryRoot();
        var storage = Environment.GetEnvironmentVariable(StorageSetting) is { Length: > 0 } configured ? configured : "UseDevelopmentStorage=true";
        var hub = Environment.GetEnvironmentVariable(TaskHubSetting) is { Length: > 0 } name ? name : "batchdrain" + backlog?.Key;
        var container = Environment.GetEnvironmentVariable(ContainerSetting) is { Length: > 0 } c ? c : DrainFunctions.Durable.Hosting.SnapshotOptions.DefaultContainer;
        return new LocalEnvironment(root, Path.Combine(root, ".workspace"), storage, hub, container);
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DrainFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
