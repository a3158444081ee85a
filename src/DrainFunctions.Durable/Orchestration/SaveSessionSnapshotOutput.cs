namespace DrainFunctions.Durable.Orchestration;

public sealed record SaveSessionSnapshotOutput(string BlobName, long BytesStaged, long BlockListBytes)
{
    /// <summary>The next selection, when the save was asked for it (<see cref="SaveSessionSnapshotInput.Next"/>).</summary>
    public SelectNextPhaseOutput? Selection { get; init; }

    /// <summary>The lock's renewal, when the save was asked for it (<see cref="SaveSessionSnapshotInput.RenewLock"/>).</summary>
    public RenewDrainLockOutput? Lock { get; init; }

    /// <summary>The session finished in this save (<see cref="SaveSessionSnapshotInput.Finish"/>).</summary>
    public FinishSessionOutput? Finished { get; init; }

    /// <summary>The lock let go in this save (<see cref="SaveSessionSnapshotInput.ReleaseLock"/>).</summary>
    public ReleaseDrainLockOutput? Released { get; init; }
}
