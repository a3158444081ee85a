namespace DrainFunctions.Core.Phases;

/// <summary>The values of <c>interrupted_by</c> in a result: why an attempt did not run to its own end.</summary>
public static class PhaseInterruptions
{
    public const string Budget = "budget";
    public const string Cancel = "cancel";
    public const string Lost = "lost";
    public const string RequeueConflict = "requeue_conflict";
}
