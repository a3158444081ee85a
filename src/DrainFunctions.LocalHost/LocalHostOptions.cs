namespace DrainFunctions.LocalHost;

/// <summary>Settings of the local durable host.</summary>
public sealed class LocalHostOptions
{
    /// <summary>The storage account of the task hub: <c>UseDevelopmentStorage=true</c> or a connection string.</summary>
    public string StorageConnectionString { get; set; } = "UseDevelopmentStorage=true";

    public string TaskHubName { get; set; } = "batchdrain";

    /// <summary>
    /// A stable worker id: a restarted host takes its partitions back at once instead of waiting
    /// for the old leases to expire.
    /// </summary>
    public string WorkerId { get; set; } = "drain-local-host";

    /// <summary>
    /// How long a dequeued message stays invisible. The 5-minute default stalls a restarted host
    /// for five minutes after a crash; 15 s was found enough for minutes-long phases because the
    /// engine renews the lock of work in progress.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Activities run at once. Each slot of a parallel drain holds one for its executor for the whole
    /// phase and needs a second one to stop and settle it (budget, cancel, timeout), and the loop
    /// needs its own: 2 x 16 slots + 4. Fewer would let K executors starve the calls that stop them.
    /// </summary>
    public int MaxConcurrentActivities { get; set; } = 36;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(StorageConnectionString))
        {
            throw new ArgumentException("AzureWebJobsStorage is empty: set it to UseDevelopmentStorage=true (Azurite) or a storage connection string.");
        }

        // Azure Storage task hub names: 3-45 letters and digits, starting with a letter.
        if (TaskHubName.Length is < 3 or > 45 || !char.IsAsciiLetter(TaskHubName[0]) || !TaskHubName.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"DURABLE_TASK_HUB_NAME '{TaskHubName}' is invalid: use 3 to 45 letters and digits, starting with a letter.");
        }
    }
}
