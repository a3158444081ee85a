namespace DrainFunctions.Durable.Orchestration;

public sealed record SaveSessionSnapshotOutput(string BlobName, long BytesStaged, long BlockListBytes);
