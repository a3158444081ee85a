using Microsoft.DurableTask;

namespace DrainFunctions.Durable.Orchestration;

/// <summary>
/// The orchestration's listener for the <c>cancel</c> event, shared by the loop (between phases)
/// and the phase attempt (during one). A graceful cancel lets the phase finish, but a later "now"
/// (a second Ctrl-C) must still stop it, so after a graceful one it listens again.
/// </summary>
internal sealed class CancelWatch
{
    private readonly TaskOrchestrationContext context;

    public CancelWatch(TaskOrchestrationContext context)
    {
        this.context = context;
        Event = Listen();
    }

    /// <summary>The pending event, to race with.</summary>
    public Task<CancelRequest> Event { get; private set; }

    /// <summary>The strongest cancel seen so far (a "now" wins over a graceful one), or null.</summary>
    public CancelRequest? Requested { get; private set; }

    /// <summary>A "now" was seen: a race need not listen for another cancel.</summary>
    public bool NowRequested => Requested?.IsNow == true;

    /// <summary>Notes a cancel that arrived while nothing raced with it; returns the one seen so far.</summary>
    public CancelRequest? Check()
    {
        if (Requested is null && Event.IsCompletedSuccessfully)
        {
            Requested = Event.Result ?? new CancelRequest(CancelRequest.Graceful);
        }

        return Requested;
    }

    /// <summary>
    /// <paramref name="won"/> (an <see cref="Event"/> raced with) won a race: notes it, listens
    /// again after a graceful one, and returns it. Listening again only when <paramref name="won"/>
    /// is still the pending event keeps one listener when several races saw the same cancel.
    /// </summary>
    public CancelRequest Received(Task<CancelRequest> won)
    {
        ArgumentNullException.ThrowIfNull(won);
        var request = won.Result ?? new CancelRequest(CancelRequest.Graceful);
        Requested = request.IsNow || Requested is null ? request : Requested;
        if (!request.IsNow && won == Event)
        {
            Event = Listen();
        }

        return request;
    }

    private Task<CancelRequest> Listen() => context.WaitForExternalEvent<CancelRequest>(CancelRequest.EventName);
}
