namespace DrainFunctions.Durable.Orchestration;

/// <summary>The external event <c>cancel</c>: <c>graceful</c> finishes the current phase, <c>now</c> stops it.</summary>
public sealed record CancelRequest(string Mode)
{
    public const string EventName = "cancel";
    public const string Graceful = "graceful";
    public const string Now = "now";

    public bool IsNow => string.Equals(Mode, Now, StringComparison.OrdinalIgnoreCase);
}
