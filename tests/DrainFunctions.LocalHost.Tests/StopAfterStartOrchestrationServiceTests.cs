using DurableTask.AzureStorage;

namespace DrainFunctions.LocalHost.Tests;

/// <summary>The sidecar's view of the Azure Storage backend, on a real Azurite.</summary>
public class StopAfterStartOrchestrationServiceTests
{
    private static AzureStorageOrchestrationService Backend() => new(new AzureStorageOrchestrationServiceSettings
    {
        TaskHubName = TestStorage.NewTaskHub(),
        StorageAccountClientProvider = new StorageAccountClientProvider(TestStorage.ConnectionString),
        PartitionCount = 1,
    });

    [Fact]
    public async Task StopAsync_BeforeAnyStart_ReturnsAndALaterStartStartsNothing()
    {
        var backend = Backend();
        var guarded = new StopAfterStartOrchestrationService(backend);

        var unguarded = await Record.ExceptionAsync(() => Backend().StopAsync());
        var stopped = await Record.ExceptionAsync(guarded.StopAsync);
        await guarded.StartAsync();

        // What the sidecar met when it stopped before a worker connected: the backend alone throws.
        Assert.IsType<NullReferenceException>(unguarded);
        Assert.Null(stopped);

        // The start after the stop did not start the backend: it can still be started, once.
        await backend.StartAsync();
        await backend.StopAsync();
    }

    [Fact]
    public async Task StopAsync_AfterAStart_StopsTheBackend()
    {
        var backend = Backend();
        var guarded = new StopAfterStartOrchestrationService(backend);
        await guarded.CreateIfNotExistsAsync();

        await guarded.StartAsync();
        await guarded.StopAsync();

        // Stopped: it starts again (a started backend refuses a second start).
        var again = await Record.ExceptionAsync(backend.StartAsync);
        await backend.StopAsync();
        Assert.Null(again);
    }
}
