namespace DrainFunctions.Durable.Orchestration;

public sealed record FinishSessionOutput(string BlobName, string SummaryBlobName);
