namespace DrainFunctions.Durable.Orchestration;

/// <summary>One progress line with its sequence number (1, 2, ...), for a watcher to print once and in order.</summary>
public sealed record ProgressLine(long Seq, string Text);
